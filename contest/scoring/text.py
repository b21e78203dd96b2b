"""What a code, name, organization, group, label or title may contain: the one text policy of every input path
(JSON, CSV, XLSX, TOML, query strings).

Surrounding whitespace is stripped (spaces, tabs, line breaks, the ideographic space). What is left may not hold:

- control characters (Unicode category Cc: NUL, tab, line breaks, DEL, the C1 controls) nor the line and paragraph
  separators U+2028/U+2029: they break CSV/XLSX exports, PostgreSQL refuses NUL, and a line break inside a name
  splits a screen's row;
- bidirectional formatting characters: the embeddings and overrides U+202A-U+202E, the isolates U+2066-U+2069,
  and the invisible marks U+200E, U+200F and U+061C. An override makes ``‮evil‬ gnp.exe`` show reversed
  on a judge's tablet; a mark makes two codes that look the same differ. Arabic and Hebrew names show in their own
  direction without any of them, so nothing legitimate is lost;
- lone surrogates (a JSON ``"\\ud800"``): they are not characters and no database can store them as UTF-8.

Multi-line texts (a contest's description) may hold line breaks and tabs, nothing else of the above.
Every refusal is a `ValueError` whose argument is a `Message` naming the character and where it is.
"""

from __future__ import annotations

import unicodedata

from contest.scoring.messages import Message

MAX_CODE = 64
MAX_NAME = 200
MAX_ORGANIZATION = 300
MAX_GROUP = 100

BIDI_CONTROLS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e"  # LRE RLE PDF LRO RLO
    "\u2066\u2067\u2068\u2069"  # LRI RLI FSI PDI
    "\u200e\u200f\u061c"  # LRM RLM ALM
)
LINE_BREAKS = frozenset("\n\r\t")


def refused_character(text: str, *, lines: bool = False) -> Message | None:
    """Why `text` cannot be stored (the first character the policy refuses, by code point and position), or None.
    With `lines`, line breaks and tabs are allowed."""
    for position, ch in enumerate(text, start=1):
        if lines and ch in LINE_BREAKS:
            continue
        category = unicodedata.category(ch)
        if ch in BIDI_CONTROLS:
            kind = Message("a right-to-left or left-to-right control character")
        elif category == "Cc" or ch in "\u2028\u2029":
            kind = Message("a control character (such as NUL or a line break)")
        elif category == "Cs":
            kind = Message("half of a character (a lone surrogate)")
        else:
            continue
        return Message(
            "contains {kind}, {code} at character {position}; remove it",
            kind=kind,
            code=f"U+{ord(ch):04X}",
            position=position,
        )
    return None


def clean_text(value: object, *, max_length: int = MAX_NAME, required: bool = False, lines: bool = False) -> str:
    """The text as it is stored: surrounding whitespace stripped, then checked against the policy and `max_length`
    (and, when `required`, not empty). Raises ValueError(Message) saying why it is refused."""
    if not isinstance(value, str):
        raise ValueError(Message("expected text, got {kind}", kind=type(value).__name__))
    text = value.strip()
    why = refused_character(text, lines=lines)
    if why is not None:
        raise ValueError(why)
    if required and not text:
        raise ValueError(Message("must not be empty"))
    if len(text) > max_length:
        raise ValueError(Message("longer than {most} characters", most=max_length))
    return text
