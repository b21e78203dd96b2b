"""The CJK font used by every PDF the server writes (judge cards, certificates, score sheets).

The default is the OFL Noto SC font shipped by the pip package ``pylopdf-fonts-zh-cn`` (no system fonts needed,
same output on every machine). An organizer may point to their own font file instead (``override``).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

Style = Literal["sans", "serif"]

FONT_SUFFIXES = (".ttf", ".otf", ".ttc")


class FontNotFound(Exception):
    """No usable CJK font: the message says what to install or which path is wrong."""


def cjk_font(style: Style = "sans", override: Path | None = None) -> Path:
    """Return the path of a font file that covers Chinese.

    ``override`` (the organizer's own font) wins when given; it must exist and be a TrueType/OpenType file.
    Otherwise the Noto Sans SC / Noto Serif SC file of ``pylopdf-fonts-zh-cn`` is returned.
    """
    if override is not None:
        path = Path(override).expanduser()
        if not path.is_file():
            raise FontNotFound(f"font file not found: {path}")
        if path.suffix.lower() not in FONT_SUFFIXES:
            raise FontNotFound(f"not a TrueType/OpenType font (.ttf, .otf, .ttc): {path}")
        return path
    if style not in ("sans", "serif"):
        raise ValueError(f"style must be 'sans' or 'serif', not {style!r}")
    try:
        import pylopdf_fonts_zh_cn as fonts
    except ImportError as exc:  # pragma: no cover - a dependency of the package
        raise FontNotFound("the Chinese font package is missing: pip install pylopdf-fonts-zh-cn") from exc
    path = Path(fonts.serif_path() if style == "serif" else fonts.sans_path())
    if not path.is_file():  # pragma: no cover - a broken install
        raise FontNotFound(f"font file of pylopdf-fonts-zh-cn not found: {path}")
    return path
