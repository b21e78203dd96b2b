"""The language a command speaks: its --lang when it has one and it was given, else the environment's (LC_ALL,
LC_MESSAGES, LANG). `main()` words the command's errors in it too."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import click

from contest.language import environment_locale, gettext_for, normalize_locale

Gettext = Callable[[str], str]

_chosen: str | None = None  # --lang of the command running


def lang_option(about: str) -> Callable[[Any], Any]:
    """A command's --lang (zh-CN or en), with what it sets the language of."""
    return click.option("--lang", type=click.Choice(["zh-CN", "en"], case_sensitive=False), help=about)


def choose(lang: str | None) -> None:
    global _chosen
    _chosen = normalize_locale(lang)


def chosen() -> str | None:
    """The locale --lang asked for, or None when it was not given."""
    return _chosen


def gettext() -> Gettext:
    return gettext_for(_chosen or environment_locale())
