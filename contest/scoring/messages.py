"""Text that can be read in another language: English made from a template and values, keeping both.

The core writes its explanations and the reasons an entrant is incomplete as `Message`s. They are plain strings
(English) wherever nothing asks for more; a shell that knows the reader's language passes its catalog's gettext
to `translated`, and a message whose values are messages themselves is translated all the way down.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Self

Gettext = Callable[[str], str]


class Message(str):
    """English text made from `template` and `values`; both are kept for translating it later."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, **values: Any) -> Self:
        text = super().__new__(cls, template.format(**values))
        text.template = template
        text.values = values
        return text

    def translated(self, gettext: Gettext) -> str:
        """The message in another language, from a catalog's gettext; English where the catalog lacks it."""
        values = {k: translated(v, gettext) for k, v in self.values.items()}
        try:
            return str(gettext(self.template)).format(**values)
        except (KeyError, IndexError, ValueError):
            return self.template.format(**values)


class Plural(Message):
    """A Message about a count (`values[by]`): English says `template` for 1 and `plural` otherwise ("1 difference",
    "2 differences"); a catalog picks its own form (ngettext: the `.po` entry's `msgid_plural`, Chinese has one)."""

    plural: str
    by: str

    def __new__(cls, template: str, plural: str, by: str = "count", **values: Any) -> Self:
        text = super().__new__(cls, template if values[by] == 1 else plural, **values)
        text.template, text.plural, text.by = template, plural, by
        return text

    def translated(self, gettext: Gettext) -> str:
        values = {k: translated(v, gettext) for k, v in self.values.items()}
        count = self.values[self.by]
        english = self.template if count == 1 else self.plural
        # a catalog's gettext is its bound method: the same catalog's ngettext knows the locale's plural forms
        ngettext = getattr(getattr(gettext, "__self__", None), "ngettext", None)
        try:
            found = ngettext(self.template, self.plural, count) if callable(ngettext) else english
            return str(found).format(**values)
        except (KeyError, IndexError, ValueError, TypeError):
            return english.format(**values)


def translated(text: Any, gettext: Gettext) -> Any:
    """`text` translated when it is a Message; anything else as it is."""
    return text.translated(gettext) if isinstance(text, Message) else text


def reason(exc: Exception) -> str:
    """What an exception says: the Message it was raised with (str() would lose its template), else its text."""
    first = exc.args[0] if len(exc.args) == 1 else None
    return first if isinstance(first, str) else str(exc)
