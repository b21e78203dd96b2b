"""The cost of reading a marks body: bytes in, checked texts and Decimal values out (POST .../marks' hot path).

Three ways, each doing the same work (strict JSON, unknown keys refused, required keys, texts by the text policy
`contest.scoring.text.clean_text`, `item` a whole number from 1 to 1000, `values` a non-empty object of at most 200
numbers, each read by the number policy `contest.scoring.parse_decimal`):

* `hand`: the hand-written checks the endpoint had before the models (`parse_json`, `check_keys`, `text_field`,
  `decimal_field` of contest/web/http.py);
* `pydantic`: what the endpoint does now, `parse_json` then `validated(MarkIn, ...)` (contest/web/schemas.py);
  and, for scale, a bare pydantic model of the same fields without the policy's validators;
* `msgspec`: a Struct decoded straight from the bytes (`msgspec.json.Decoder(type, float_hook=Decimal)`, numbers
  exact) with the policy run after decoding; and `msgspec.convert` of the JSON `parse_json` loaded. msgspec is not
  a dependency of the project: `pip install msgspec` to run this script.

Bodies: one realistic single mark (5 criteria, values as strings such as "8.5", a client_id, a reason), and a batch
of 1,000 different such bodies (the writer's group commit reads one body per request: the batch is 1,000 requests'
worth). Each figure is the median of --runs runs.

    .venv/bin/python bench/bench_validation.py             # 7 runs
    .venv/bin/python bench/bench_validation.py --runs 11
"""

from __future__ import annotations

import argparse
import json
import platform
import statistics
import time
import uuid
from collections.abc import Callable
from decimal import Decimal
from typing import Annotated, Any

import msgspec
import pydantic
from pydantic import BaseModel, ConfigDict, Field

from contest.scoring import parse_decimal
from contest.scoring.text import clean_text
from contest.services.errors import Invalid
from contest.web.http import check_keys, decimal_field, parse_json, text_field, validated
from contest.web.schemas import MarkIn

MARK_KEYS = ("entrant", "round", "item", "values", "client_id", "reason", "judge")


def body(i: int) -> bytes:
    return json.dumps(
        {
            "entrant": f"E{i % 400 + 1:03d}",
            "round": "prelim",
            "item": i % 3 + 1,
            "values": {f"c{k}": f"{(i + k) % 20 / 2:.1f}" for k in range(1, 6)},
            "client_id": uuid.UUID(int=i).hex,
            "reason": "" if i % 10 else "裁判更正 / typo",
        },
        ensure_ascii=False,
    ).encode()


# -- hand: today's checks -------------------------------------------------------------------------------------------


def hand(raw: bytes) -> tuple[str, str, int, dict[str, Decimal], str, str]:
    data = check_keys(parse_json(raw), MARK_KEYS, ("entrant", "round", "values", "client_id"))
    item = data.get("item", 1)
    if isinstance(item, bool) or not isinstance(item, int) or item < 1:
        raise Invalid("expected a whole number from 1", "item")
    values = data["values"]
    if not isinstance(values, dict) or not values or len(values) > 200:
        raise Invalid("bad values", "values")
    return (
        text_field(data, "entrant", max_length=64),
        text_field(data, "round", max_length=64),
        item,
        {str(k): decimal_field(v, f"values.{k}") for k, v in values.items()},
        text_field(data, "client_id", max_length=100),
        text_field(data, "reason", max_length=1000, required=False),
    )


# -- pydantic v2: the server's own model ------------------------------------------------------------------------------


def pydantic_model(raw: bytes) -> MarkIn:
    """What POST .../marks does now: `parse_json`, then `validated(MarkIn, ...)` (contest/web/schemas.py)."""
    mark: MarkIn = validated(MarkIn, parse_json(raw))
    return mark


class _Plain(BaseModel):
    """The same fields without the policy's validators: what pydantic itself costs."""

    model_config = ConfigDict(extra="forbid", strict=True)
    entrant: Annotated[str, Field(min_length=1, max_length=64)]
    round: Annotated[str, Field(min_length=1, max_length=64)]
    item: Annotated[int, Field(ge=1, le=1000)] = 1
    values: Annotated[dict[str, str | int | Decimal], Field(min_length=1, max_length=200)]
    client_id: Annotated[str, Field(min_length=1, max_length=100)]
    reason: Annotated[str, Field(max_length=1000)] = ""
    judge: Annotated[str, Field(max_length=64)] = ""


def pydantic_bare(raw: bytes) -> _Plain:
    return _Plain.model_validate(parse_json(raw))


# -- msgspec: the same checks around a Struct --------------------------------------------------------------------------


class MsgspecMark(msgspec.Struct, forbid_unknown_fields=True):
    entrant: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    round: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    values: Annotated[dict[str, Any], msgspec.Meta(min_length=1, max_length=200)]  # numbers exact: float_hook
    client_id: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    item: Annotated[int, msgspec.Meta(ge=1, le=1000)] = 1
    reason: Annotated[str, msgspec.Meta(max_length=1000)] = ""
    judge: Annotated[str, msgspec.Meta(max_length=64)] = ""


_DECODER = msgspec.json.Decoder(MsgspecMark, float_hook=Decimal)


def _msgspec_after(mark: MsgspecMark) -> tuple[list[str], dict[str, Decimal]]:
    """The text and number policy, as the model's validators run it."""
    texts = [
        clean_text(mark.entrant, max_length=64, required=True),
        clean_text(mark.round, max_length=64, required=True),
        clean_text(mark.client_id, max_length=100, required=True),
        clean_text(mark.reason, max_length=1000),
        clean_text(mark.judge, max_length=64),
    ]
    return texts, {k: parse_decimal(v) for k, v in mark.values.items()}


def msgspec_json(raw: bytes) -> tuple[list[str], dict[str, Decimal]]:
    return _msgspec_after(_DECODER.decode(raw))


def msgspec_convert(raw: bytes) -> tuple[list[str], dict[str, Decimal]]:
    return _msgspec_after(msgspec.convert(parse_json(raw), MsgspecMark, strict=True))


WAYS: dict[str, Callable[[bytes], Any]] = {
    "hand (parse_json + check_keys/text_field/decimal_field)": hand,
    "pydantic v2: validated(MarkIn) after parse_json [chosen]": pydantic_model,
    "pydantic v2: bare model (no policy) after parse_json": pydantic_bare,
    "msgspec.json.decode(type=Struct) + the policy after": msgspec_json,
    "msgspec.convert after parse_json + the policy after": msgspec_convert,
}


def timed(way: Callable[[bytes], Any], bodies: list[bytes], repeat: int) -> float:
    """CPU seconds of this process per body over `repeat` passes (CPU time: other work on a shared machine does
    not count, only its effect on caches)."""
    start = time.process_time()
    for _ in range(repeat):
        for raw in bodies:
            way(raw)
    return (time.process_time() - start) / (repeat * len(bodies))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    one = [body(7)]
    batch = [body(i) for i in range(1000)]
    # the same result from every way
    for raw in batch[:50]:
        expected = hand(raw)[3]
        assert dict(pydantic_model(raw).values) == expected
        assert msgspec_json(raw)[1] == expected
    print(
        f"python {platform.python_version()}, pydantic {pydantic.VERSION}, msgspec {msgspec.__version__}, "
        f"{args.runs} runs, median; single body {len(one[0])} bytes"
    )
    print(f"{'way':58} {'one body (µs)':>14} {'1,000 bodies (ms)':>18}")
    for name, way in WAYS.items():
        singles = [timed(way, one, 2000) * 1e6 for _ in range(args.runs)]
        batches = [timed(way, batch, 1) * 1e6 for _ in range(args.runs)]  # µs a body = ms for 1,000
        print(f"{name:58} {statistics.median(singles):14.1f} {statistics.median(batches):18.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
