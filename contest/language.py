"""The languages contest speaks: zh_CN first, then English. The catalogs are the committed `.po` files under
contest/locales, compiled in memory when first needed (no build step); the pages, the API's messages and the
command line's explanations all read them.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Mapping
from functools import cache
from pathlib import Path

from babel.support import Translations

LOCALES = ("zh_CN", "en")
DEFAULT_LOCALE = "zh_CN"
LOCALES_DIR = Path(__file__).resolve().parent / "locales"
ALIASES = {"zh": "zh_CN", "zh-cn": "zh_CN", "zh_cn": "zh_CN", "zh-hans": "zh_CN", "cn": "zh_CN", "en": "en"}
ALIASES.update({"en-us": "en", "en_us": "en", "en-gb": "en"})


def compile_po(path: Path, locale: str) -> Translations:
    """A `.po` file as gettext translations, compiled in memory (read_po -> write_mo -> Translations)."""
    from babel.messages.mofile import write_mo  # here: the command line needs them only to speak Chinese
    from babel.messages.pofile import read_po

    with path.open("rb") as po:
        catalog = read_po(po, locale=locale)
    buffer = io.BytesIO()
    write_mo(buffer, catalog, use_fuzzy=False)
    buffer.seek(0)
    return Translations(buffer, domain="messages")


def normalize_locale(raw: str | None) -> str | None:
    """'en', 'zh-CN', 'zh_CN', 'zh' ... -> a supported locale, or None."""
    if not raw:
        return None
    raw = raw.strip()
    if raw in LOCALES:
        return raw
    return ALIASES.get(raw.lower())


def accepted_locale(header: str) -> str | None:
    """The first supported locale of an Accept-Language header ("zh-CN,zh;q=0.9,en;q=0.8" -> zh_CN), or None."""
    for part in header.split(","):
        found = normalize_locale(part.split(";")[0])
        if found is not None:
            return found
    return None


@cache
def gettext_for(locale: str) -> Callable[[str], str]:
    """The catalog's gettext for a supported locale; English (the text as it is) for "en" or an unknown one."""
    path = LOCALES_DIR / locale / "LC_MESSAGES" / "messages.po"
    if locale not in LOCALES or not path.is_file():
        return str
    return compile_po(path, locale).gettext


def environment_locale(environ: Mapping[str, str] | None = None) -> str:
    """The command line's language: zh_CN when the environment's locale is Chinese (LC_ALL, LC_MESSAGES, LANG,
    the first that is set), else English."""
    env = os.environ if environ is None else environ
    for name in ("LC_ALL", "LC_MESSAGES", "LANG"):
        value = env.get(name)
        if value:
            return "zh_CN" if value.lower().startswith("zh") else "en"
    return "en"
