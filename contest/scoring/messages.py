"""Text that can be read in another language: English made from a template and values, keeping both.

The core writes its explanations and the reasons an entrant is incomplete as `Message`s. They are plain strings
(English) wherever nothing asks for more; a shell that knows the reader's language passes its catalog's gettext
to `translated`, and a message whose values are messages themselves is translated all the way down.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Gettext = Callable[[str], str]


class Message(str):
    """English text made from `template` and `values`; both are kept for translating it later."""

    template: str
    values: dict[str, Any]

    def __new__(cls, template: str, **values: Any) -> Message:
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


def translated(text: Any, gettext: Gettext) -> Any:
    """`text` translated when it is a Message; anything else as it is."""
    return text.translated(gettext) if isinstance(text, Message) else text


def reason(exc: Exception) -> str:
    """What an exception says: the Message it was raised with (str() would lose its template), else its text."""
    first = exc.args[0] if len(exc.args) == 1 else None
    return first if isinstance(first, str) else str(exc)
