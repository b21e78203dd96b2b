"""The scoring core is pure: it imports nothing outside the standard library and itself, and does no I/O."""

import ast
import sys
from pathlib import Path

CORE = Path(__file__).resolve().parent.parent / "contest" / "scoring"
FORBIDDEN_CALLS = {"open", "print", "input", "eval", "exec", "__import__"}
IMPURE_MODULES = {
    "os",
    "io",
    "sys",
    "socket",
    "time",
    "datetime",
    "random",
    "pathlib",
    "subprocess",
    "threading",
    "asyncio",
    "logging",
    "shutil",
    "tempfile",
    "urllib",
    "http",
    "sqlite3",
    "secrets",
    "uuid",
}


def imports_of(path: Path) -> set[str]:
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_core_imports_only_the_standard_library() -> None:
    offenders = []
    for path in sorted(CORE.glob("*.py")):
        for name in imports_of(path):
            top = name.split(".")[0]
            if name.startswith("contest.scoring") or top == "__future__":
                continue
            if top not in sys.stdlib_module_names or top in IMPURE_MODULES:
                offenders.append(f"{path.name}: {name}")
    assert offenders == []


def test_core_calls_no_io_builtins() -> None:
    offenders = []
    for path in sorted(CORE.glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FORBIDDEN_CALLS:
                offenders.append(f"{path.name}:{node.lineno} {node.func.id}()")
    assert offenders == []


def test_the_purity_check_catches_an_impure_import(tmp_path: Path) -> None:
    bad = tmp_path / "leak.py"
    bad.write_text("import sqlalchemy\nfrom os import path\nfrom decimal import Decimal\n", encoding="utf-8")
    assert imports_of(bad) == {"sqlalchemy", "os", "decimal"}
