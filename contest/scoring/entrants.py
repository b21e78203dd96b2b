"""Entrants as the core sees them: a code, a name, an organization, an optional group (组别)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class Entrant:
    code: str
    name: str = ""
    organization: str = ""
    group: str = ""
    attributes: Mapping[str, str] = field(default_factory=dict)
