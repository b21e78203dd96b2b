"""Pages in Chinese first (zh_CN, the default) and English: Babel catalogs compiled in memory at startup from the
committed `.po` files (no build step), one Jinja2 Environment per locale, autoescape on.

The locale of a request: ``?lang=en`` (or ``zh_CN``) switches and is remembered in the ``lang`` cookie; without
either, the server's default (``CONTEST_LANGUAGE``, zh_CN).
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from babel.support import NullTranslations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape
from starlette.requests import Request
from starlette.responses import HTMLResponse

from contest.language import DEFAULT_LOCALE, LOCALES, LOCALES_DIR, compile_po, normalize_locale
from contest.scoring.messages import Message, translated

COOKIE = "lang"
HTML_LANG = {"zh_CN": "zh-CN", "en": "en"}

# Sent with every page: the pages load only their own scripts, styles and data, and never sit in a frame.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


@dataclass
class Pages:
    """The templates of every locale, ready to render."""

    envs: dict[str, Environment]
    default: str = DEFAULT_LOCALE
    translations: dict[str, NullTranslations] = field(default_factory=dict)

    def locale_of(self, request: Request) -> str:
        return (
            normalize_locale(request.query_params.get("lang"))
            or normalize_locale(request.cookies.get(COOKIE))
            or self.default
        )

    def gettext(self, locale: str) -> Callable[[str], str]:
        found = self.translations.get(locale)
        return found.gettext if found is not None else (lambda text: text)

    def render(
        self,
        request: Request,
        name: str,
        context: Mapping[str, Any] | None = None,
        *,
        status_code: int = 200,
        headers: Mapping[str, str] | None = None,
    ) -> HTMLResponse:
        locale = self.locale_of(request)
        env = self.envs[locale]
        gettext = self.gettext(locale)
        html = env.get_template(name).render(
            {
                # a Message handed to a page (an error's detail, a round's label) is shown in the page's language
                **{key: in_language(value, gettext) for key, value in (context or {}).items()},
                "locale": locale,
                "html_lang": HTML_LANG[locale],
                "other_locale": "en" if locale == "zh_CN" else "zh_CN",
                "path": request.url.path,
            }
        )
        response = HTMLResponse(html, status_code=status_code, headers={**PAGE_HEADERS, **(headers or {})})
        asked = normalize_locale(request.query_params.get("lang"))
        if asked is not None and asked != request.cookies.get(COOKIE):
            response.set_cookie(COOKIE, asked, max_age=365 * 24 * 3600, samesite="lax", httponly=True)
        return response


def counted(found: NullTranslations) -> Callable[..., dict[str, str]]:
    """The templates' `plural(singular, plural, by="n")`: a text a script fills with a count, in both forms of the
    locale (`{"one", "other", "by"}`; common.js `t()` picks the form by the count named `by`: "1 mark", "2 marks";
    Chinese has one form)."""

    def plural(singular: str, plural: str, by: str = "n") -> dict[str, str]:
        return {"one": found.ngettext(singular, plural, 1), "other": found.ngettext(singular, plural, 2), "by": by}

    return plural


def in_language(value: Any, gettext: Callable[[str], str]) -> Any:
    """`value` with every Message in it (at any depth of dicts, lists and tuples) translated through `gettext`."""
    if isinstance(value, Message):
        return translated(value, gettext)
    if isinstance(value, dict):
        return {key: in_language(item, gettext) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return type(value)(in_language(item, gettext) for item in value) if not hasattr(value, "_fields") else value
    return value


def asset_versions(static_dir: Path) -> dict[str, str]:
    """A short content hash per static file, so a changed script is never served from a tablet's cache."""
    found: dict[str, str] = {}
    for path in sorted(static_dir.rglob("*")):
        if path.is_file():
            found[path.relative_to(static_dir).as_posix()] = hashlib.sha256(path.read_bytes()).hexdigest()[:10]
    return found


def setup(
    templates_dir: Path,
    static_dir: Path,
    *,
    default: str = DEFAULT_LOCALE,
    locales_dir: Path = LOCALES_DIR,
) -> Pages:
    """Compile every locale's catalog and build one Environment per locale (called once, in the lifespan)."""
    default = normalize_locale(default) or DEFAULT_LOCALE
    versions = asset_versions(static_dir)

    def asset(path: str) -> str:
        version = versions.get(path)
        return f"/static/{path}?v={version}" if version else f"/static/{path}"

    envs: dict[str, Environment] = {}
    translations: dict[str, NullTranslations] = {}
    for locale in LOCALES:
        po = locales_dir / locale / "LC_MESSAGES" / "messages.po"
        found: NullTranslations = compile_po(po, locale) if po.exists() else NullTranslations()
        env = Environment(
            loader=FileSystemLoader(str(templates_dir)),
            autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=True, default=True),
            extensions=["jinja2.ext.i18n"],
            undefined=StrictUndefined,
            trim_blocks=True,
            lstrip_blocks=True,
        )
        env.install_gettext_translations(found, newstyle=True)  # type: ignore[attr-defined]
        env.globals["asset"] = asset
        env.globals["plural"] = counted(found)
        envs[locale] = env
        translations[locale] = found
    return Pages(envs, default, translations)
