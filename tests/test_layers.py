"""The layers of DESIGN.md hold: the web layer reads and writes the database only through services (it opens no
session and imports no table or query), so every rule about who may see what lives in one place."""

from __future__ import annotations

import ast
from pathlib import Path

WEB = Path(__file__).resolve().parent.parent / "contest" / "web"
COMPOSITION_ROOT = {"app.py"}  # builds the engines and the app; its health check asks the database to answer


def _modules() -> list[Path]:
    return sorted(p for p in WEB.rglob("*.py") if p.name not in COMPOSITION_ROOT or p.parent != WEB)


def test_the_web_layer_imports_no_tables_queries_or_sql() -> None:
    offenders = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = []
            if isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            elif isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            for name in names:
                sql = name == "sqlalchemy" or (name.startswith("sqlalchemy.") and name != "sqlalchemy.orm")
                if name.startswith("contest.db") or sql:
                    offenders.append(f"{path.relative_to(WEB)}:{node.lineno} imports {name}")
    assert offenders == []


def test_the_web_layer_opens_no_database_session() -> None:
    """`reader_of(request)()`, `db_of(request)()`, `db()` or `.begin()`: a transaction belongs in a service."""
    offenders = []
    for path in _modules():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            called = node.func
            opens = (  # reader_of(request)()
                isinstance(called, ast.Call) and isinstance(called.func, ast.Name) and called.func.id.endswith("_of")
            )
            opens = opens or (isinstance(called, ast.Attribute) and called.attr == "begin")
            opens = opens or (isinstance(called, ast.Name) and called.id in ("db", "reader"))
            if opens:
                offenders.append(f"{path.relative_to(WEB)}:{node.lineno}")
    assert offenders == []
