"""Every JSON body of the API, declared once as pydantic models: the handlers check requests with them
(`contest.web.http.validated`) and the OpenAPI document (contest/web/openapi.py) is generated from them.

Texts and numbers are read by the one input policy of the core (`contest.scoring.text.clean_text`,
`contest.scoring.numbers.parse_decimal`), so a JSON body refuses what a CSV, XLSX or TOML file refuses, with the same
messages. A response model describes what the handler writes; it is not run on the way out.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainValidator, WithJsonSchema

from contest.scoring.messages import Message, reason
from contest.scoring.numbers import INT32, MAX_ITEM, parse_decimal, parse_whole
from contest.scoring.text import BIDI_CONTROLS, MAX_CODE, MAX_GROUP, MAX_NAME, MAX_ORGANIZATION, clean_text

MAX_LIMIT = 1000  # rows of a standings answer
MAX_VALUES = 200  # values in one mark submission
MAX_REASON = 1000
MAX_CLIENT_ID = 100

# what the text policy refuses, as a JSON Schema pattern: control characters (C0, DEL, C1), the line and paragraph
# separators, and the bidirectional controls (contest/scoring/text.py)
_REFUSED = "\\x00-\\x1f\\x7f-\\x9f\\u2028\\u2029" + "".join(f"\\u{ord(c):04x}" for c in sorted(BIDI_CONTROLS))
TEXT_PATTERN = f"^[^{_REFUSED}]*$"
# a number as text, as parse_decimal reads it: plain ASCII decimals (Excel's thousands separators too), smaller
# than 10^15, at most 12 decimal places
DECIMAL_PATTERN = r"^\s*[+-]?([0-9]{1,15}(\.[0-9]{0,12})?|\.[0-9]{1,12}|[0-9]{1,3}(,[0-9]{3}){1,4}(\.[0-9]{1,12})?)\s*$"
NUMBER_SCHEMA: dict[str, Any] = {
    "anyOf": [
        {"type": "string", "pattern": DECIMAL_PATTERN, "example": "8.5"},
        {"type": "number", "exclusiveMinimum": -1e15, "exclusiveMaximum": 1e15},
    ],
    "description": 'a number: text such as "8.5" (exact; preferred) or a JSON number',
}


def _clean(max_length: int, required: bool) -> AfterValidator:
    """The text policy (contest/scoring/text.py): stripped, no control or bidirectional characters, at most
    `max_length` characters and, `required`, not blank. (The length is also checked as sent, as the schema says.)"""
    return AfterValidator(lambda value: clean_text(value, max_length=max_length, required=required))


def _whole(low: int, high: int, *, text: bool = False) -> PlainValidator:
    """The number policy's whole number from `low` to `high` (`parse_whole`): a JSON integer (not true/false, not 1.0,
    not "1"), or with `text` the digits 0-9 of a query string."""
    return PlainValidator(lambda value: parse_whole(value, low=low, high=high, text=text))


def _integer(low: int, high: int, default: int | None = None) -> WithJsonSchema:
    schema: dict[str, Any] = {"type": "integer", "minimum": low, "maximum": high}
    if default is not None:
        schema["default"] = default
    return WithJsonSchema(schema)


def _number(value: Any) -> Decimal:
    if isinstance(value, bool | int | str | Decimal):
        return parse_decimal(value)
    raise ValueError(Message("expected a number, got {kind}", kind=kind_of(value)))


def kind_of(value: Any) -> str:
    """A JSON value's kind, as a message names it."""
    if value is None:
        return Message("null")
    if isinstance(value, bool):
        return Message("true/false")
    if isinstance(value, dict):
        return Message("an object")
    if isinstance(value, list):
        return Message("a list")
    return Message("text") if isinstance(value, str) else Message("a number")


def _attributes(value: Any) -> dict[str, str]:
    """Names to texts, each by the text policy as a CSV file's extra columns are (header and cell)."""
    if not isinstance(value, dict) or not all(isinstance(v, str) for v in value.values()):
        raise ValueError(Message("attributes must map names to texts"))
    out = {}
    for name, text in value.items():
        try:
            out[clean_text(name, max_length=MAX_NAME)] = clean_text(text, max_length=MAX_ORGANIZATION)
        except ValueError as exc:
            raise ValueError(Message("{field}: {message}", field=name, message=reason(exc))) from None
    return out


TEXT_SCHEMA: dict[str, Any] = {"pattern": TEXT_PATTERN}
Code = Annotated[str, Field(min_length=1, max_length=MAX_CODE, json_schema_extra=TEXT_SCHEMA), _clean(MAX_CODE, True)]
OptionalCode = Annotated[str, Field(max_length=MAX_CODE, json_schema_extra=TEXT_SCHEMA), _clean(MAX_CODE, False)]
ClientId = Annotated[
    str, Field(min_length=1, max_length=MAX_CLIENT_ID, json_schema_extra=TEXT_SCHEMA), _clean(MAX_CLIENT_ID, True)
]
Name = Annotated[str, Field(max_length=MAX_NAME, json_schema_extra=TEXT_SCHEMA), _clean(MAX_NAME, False)]
Organization = Annotated[
    str, Field(max_length=MAX_ORGANIZATION, json_schema_extra=TEXT_SCHEMA), _clean(MAX_ORGANIZATION, False)
]
Group = Annotated[str, Field(max_length=MAX_GROUP, json_schema_extra=TEXT_SCHEMA), _clean(MAX_GROUP, False)]
Reason = Annotated[str, Field(max_length=MAX_REASON, json_schema_extra=TEXT_SCHEMA), _clean(MAX_REASON, False)]
Item = Annotated[int, _whole(1, MAX_ITEM), _integer(1, MAX_ITEM, 1)]
Step = Annotated[int, _whole(0, INT32), _integer(0, INT32)]
Limit = Annotated[int, _whole(1, MAX_LIMIT, text=True), _integer(1, MAX_LIMIT, 100)]
Number = Annotated[Decimal, PlainValidator(_number), WithJsonSchema(NUMBER_SCHEMA)]
Attributes = Annotated[
    dict[str, str],
    PlainValidator(_attributes),
    WithJsonSchema(
        {
            "type": "object",
            "propertyNames": {"maxLength": MAX_NAME, "pattern": TEXT_PATTERN},
            "additionalProperties": {"type": "string", "maxLength": MAX_ORGANIZATION, "pattern": TEXT_PATTERN},
        }
    ),
]


QueryText = Annotated[str | None, WithJsonSchema({"type": "string"})]


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


# -- requests ----------------------------------------------------------------------------------------------------------


class MarkIn(Body):
    """POST /api/contests/{slug}/marks: one item of one entrant, one or more criteria."""

    entrant: Code
    round: Code
    item: Item = 1
    values: Annotated[
        dict[str, Number],
        Field(min_length=1, max_length=MAX_VALUES, description='criterion: value, e.g. {"execution": "8.5"}'),
    ]
    client_id: Annotated[ClientId, Field(description="the device's id of this submission")]
    reason: Annotated[Reason, Field(description="required when a value corrects an earlier one")] = ""
    judge: Annotated[OptionalCode, Field(description="organizers entering a judge's paper sheet")] = ""


class EntrantIn(Body):
    code: Code
    name: Name = ""
    organization: Organization = ""
    group: Group = ""
    attributes: Attributes = Field(default_factory=dict)


class JudgeIn(Body):
    code: Code
    name: Name = ""
    chief: bool = False


class RoundChange(Body):
    """PATCH /api/contests/{slug}/rounds/{key}: at least one of status, board, reveal_by, reveal."""

    model_config = ConfigDict(
        json_schema_extra={"anyOf": [{"required": [k]} for k in ("status", "board", "reveal_by", "reveal")]}
    )
    status: Literal["open", "locked"] | None = None
    board: Literal["hidden", "live", "frozen", "reveal"] | None = None
    reason: Annotated[Reason, Field(description="required to unlock a round")] = ""
    reveal_by: Literal["rank", "award"] | None = None
    reveal: Step | None = None


class StandingsQuery(Body):
    """GET /api/contests/{slug}/standings?round=&group=&limit=&entrant= (query texts)."""

    round: QueryText = None
    group: QueryText = None
    limit: Limit = 100
    entrant: QueryText = None


class HistoryQuery(Body):
    format: Literal["json", "csv"] = "json"


ENTRANTS_IN = list[EntrantIn]
JUDGES_IN = Annotated[list[JudgeIn], Field(min_length=1)]

# -- responses --------------------------------------------------------------------------------------------------------

Decimal_ = Annotated[str, WithJsonSchema({"type": "string", "pattern": r"^-?[0-9]+(\.[0-9]+)?$", "example": "78.40"})]


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ErrorDetail(Out):
    code: str = Field(description="unauthorized, forbidden, not_found, conflict, too_large, invalid, ...")
    message: str = Field(description="what is wrong, in the language the request accepts (Accept-Language)")
    field: str | None = Field(None, description="the field, key or parameter it is about: values.execution, [0].code")
    details: list[str] | None = Field(None, description="every problem, when there are several")


class Error(Out):
    error: ErrorDetail


class Created(Out):
    slug: str


class Count(Out):
    count: int


class JudgeLogin(Out):
    code: str
    token: str = Field(description="shown once; only its hash is kept")
    login_url: str
    chief: bool


class MarkReceipt(Out):
    stored: bool = Field(description="false: a replay of a stored client_id, nothing stored twice")
    version: int
    corrected: list[str] = Field(description="criteria whose earlier value this replaces")


class Reveal(Out):
    by: Literal["rank", "award"]
    step: int


class RoundOut(Out):
    round: str
    status: Literal["open", "locked"]
    board: Literal["hidden", "live", "frozen", "reveal"]
    frozen_version: int | None
    version: int
    reveal: Reveal | None


class Row(Out):
    rank: int | None
    entrant: str
    name: str
    organization: str
    group: str
    rounds: dict[str, Decimal_ | None]
    total: Decimal_ | None
    award: str | None
    advances: bool
    complete: bool
    issues: list[str]


class RevealProgress(Out):
    by: Literal["rank", "award"]
    step: int
    steps: int
    hidden: int
    hidden_by_group: dict[str, int]


class Standings(Out):
    contest: str
    version: int
    round: str
    rows: list[Row]
    groups: list[str]
    reveal: RevealProgress | None = None
    title: str
    labels: dict[str, str]
    status: Literal["open", "locked"]
    board: Literal["hidden", "live", "frozen", "reveal"]


class HistoryRow(Out):
    version: int
    at: str
    entrant: str
    round: str
    item: int
    criterion: str
    judge: str | None
    old: str | None
    new: str | None
    by: str
    by_judge: str | None
    reason: str | None
    ip: str | None
    device: str | None
    client_id: str | None


class RoundEvent(Out):
    round: str
    version: int
    at: str
    by: str
    by_judge: str
    changes: list[dict[str, str]] = Field(description='{"what": "status", "from": "open", "to": "locked"}, ...')
    reason: str | None


class History(Out):
    marks: list[HistoryRow]
    rounds: list[RoundEvent] = Field(default_factory=list, description="every lock, unlock, board and reveal change")


class LiveStats(Out):
    sockets: int
    views: int
    contests: int
    slow: int


class Health(Out):
    ok: bool


class JudgeSession(Out):
    judge: str
    chief: bool
    csrf: str


class Page(BaseModel):
    """A page's JSON (the judge's queue, the chief judge's grid and breakdowns): an object whose shape the page's
    script reads; described loosely."""

    model_config = ConfigDict(extra="allow")


# -- credentials (contest/web/credentials.py) -------------------------------------------------------------------------


class Loose(BaseModel):
    """An object with at least these keys (more may come)."""

    model_config = ConfigDict(extra="allow")


class JudgeRevoked(Loose):
    code: str
    tokens: int = Field(description="tokens revoked")
    sessions: int = Field(description="signed-in devices signed out")


class JudgeReissued(Loose):
    code: str
    name: str
    chief: bool
    token: str = Field(description="shown once; the judge's earlier tokens and devices are revoked")
    login_url: str
    qr: str | None = Field(None, description="with ?qr=svg: the login link's QR code as an SVG data URL")


class JudgeLogins(Loose):
    judges: list[Page] = Field(description="code, name, chief, login, devices, seen, manageable")


class Tokens(Loose):
    tokens: list[Page] = Field(description="id, role, contest, judge, created_at, revoked, revoked_at, devices")


class TokenRevoked(Loose):
    id: int
    role: str
    revoked: bool


class ReissueQuery(Body):
    qr: Literal["svg"] | None = None


class TokensQuery(Body):
    role: Literal["organizer", "recorder", "judge"] | None = None
