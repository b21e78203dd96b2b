"""A small, safe arithmetic language for item, subtotal, judge and standing formulas.

    0.25*外形 + 0.10*汤色 + 0.25*香气 + 0.30*滋味 + 0.10*叶底
    execution * dd * 0.6
    theory * 0.2 + practical * 0.8
    max(0, 10 - deduction)

Numbers, names, ``+ - * /``, parentheses, unary minus and the functions ``min``, ``max`` and ``abs``. Names may be
Chinese. Full-width operators and brackets (``（ ） ＋ × ÷``) are accepted as typed on a Chinese keyboard. The text is
parsed once with `ast` into a tree of closures; nothing is ever passed to `eval`.

Names stay exactly as written: each is swapped for a safe identifier before `ast` reads the text and put back in the
tree after, so a key that is a Python word (``yield``, ``if``, ``None``) works, and a full-width key (``外形１``,
``ＧＭＶ``) is not NFKC-normalised into another (``外形1``, ``GMV``) as Python identifiers are.
"""

from __future__ import annotations

import ast
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal, getcontext
from operator import mul

from contest.scoring.messages import Message
from contest.scoring.numbers import CONTEXT, ZERO, plain, precise

Env = Mapping[str, Decimal]
Node = Callable[[Env], Decimal]

FUNCTIONS = ("min", "max", "abs")
MAX_LENGTH = 2000


class FormulaSyntaxError(ValueError):
    """The formula text is not a valid formula; the message says why, in words a user can act on."""


class FormulaEvalError(ArithmeticError):
    """The formula could not be computed for these values (division by zero)."""


def normalize(text: str) -> str:
    """NFKC (full-width to ASCII) plus × and ÷, which NFKC keeps."""
    return unicodedata.normalize("NFKC", text).replace("×", "*").replace("÷", "/")


# a number (digits first: 1e3, ０.５) or a name (a letter or _ first, as a key: see definition.KEY)
_TOKEN = re.compile(r"(?P<number>\.?\d[\w.]*)|(?P<name>[^\W\d]\w*)")
_SAFE = re.compile(r"_k[0-9]+")


def _prepared(text: str) -> tuple[str, str, dict[str, str]]:
    """(the text as shown, with operators and numbers NFKC-normalised and names as written; the text `ast` reads,
    each name swapped for a safe identifier; safe identifier -> name). The functions keep their own names."""
    shown: list[str] = []
    safe: list[str] = []
    names: dict[str, str] = {}
    ids: dict[str, str] = {}
    at = 0
    for found in _TOKEN.finditer(text):
        between = normalize(text[at : found.start()])
        shown.append(between)
        safe.append(between)
        at = found.end()
        token = found.group()
        if found.group("number") is not None or normalize(token) in FUNCTIONS:
            token = normalize(token)
            shown.append(token)
            safe.append(token)
            continue
        shown.append(token)
        if token not in ids:
            ids[token] = f"_k{len(ids)}"
            names[ids[token]] = token
        safe.append(ids[token])
    rest = normalize(text[at:])
    return "".join(shown) + rest, "".join(safe) + rest, names


def _tree(text: str) -> ast.expr:
    """The parsed formula with every name as written; raises SyntaxError."""
    _, safe, names = _prepared(text)
    tree = ast.parse(safe, mode="eval").body
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in names:
            node.id = names[node.id]
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):  # 'text' is refused as written
            node.value = _SAFE.sub(lambda found: names.get(found.group(), found.group()), node.value)
    return tree


@dataclass(frozen=True)
class Formula:
    """A parsed formula. `names` are the keys it reads; `evaluate` computes it exactly."""

    source: str
    names: frozenset[str]
    _node: Node = field(repr=False, compare=False)
    _render: Callable[[Mapping[str, str]], str] = field(repr=False, compare=False)

    def compute(self, env: Env) -> Decimal:
        """The value in the caller's decimal context (the board's hot path, already inside `precise()`)."""
        return self._node(env)

    def evaluate(self, env: Env) -> Decimal:
        """The exact value (in `CONTEXT`'s precision; the board runs in it already, other callers get it here)."""
        if getcontext().prec >= CONTEXT.prec:
            return self._node(env)
        with precise():
            return self._node(env)

    def substitute(self, env: Env) -> str:
        """The formula with each name replaced by its value: ``24 * 2.0 * 0.6``."""
        return self._render({name: plain(env[name]) for name in self.names if name in env})

    def __str__(self) -> str:
        return self.source


def parse_formula(source: str) -> Formula:
    if not isinstance(source, str):
        raise FormulaSyntaxError(Message("a formula must be text"))
    text = _prepared(source)[0].strip()
    if not text:
        raise FormulaSyntaxError(Message("the formula is empty"))
    if len(text) > MAX_LENGTH:
        raise FormulaSyntaxError(Message("the formula is longer than {limit} characters", limit=MAX_LENGTH))
    try:
        body = _tree(text)
    except SyntaxError:
        raise FormulaSyntaxError(_syntax_problem(text)) from None
    names: set[str] = set()
    node = _compile(body, names, depth=0)
    render = _renderer(body)
    return Formula(source=text, names=frozenset(names), _node=node, _render=render)


def _syntax_problem(text: str) -> str:
    """Why `text` is not a formula. Read as Python (names NFKC-normalised, Python's words its own), text that
    uses ``if``, ``and``, ``lambda``... gets its own reason (a formula has no conditions); else the position."""
    plain_text = normalize(text)
    try:
        tree = ast.parse(plain_text, mode="eval")
    except SyntaxError as exc:
        if exc.offset and exc.lineno == 1 and plain_text == text:
            return Message("not a valid formula at character {offset}: {text!r}", offset=exc.offset, text=text)
        return Message("not a valid formula: {text!r}", text=text)
    _compile(tree.body, set(), depth=0)  # raises the reason for what Python read there
    return Message("not a valid formula: {text!r}", text=text)  # pragma: no cover - _compile refused it


def _compile(node: ast.expr, names: set[str], depth: int) -> Node:
    if depth > 60:
        raise FormulaSyntaxError(Message("the formula is nested too deeply"))
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            raise FormulaSyntaxError(Message("only numbers may appear as constants, not {value!r}", value=node.value))
        const = Decimal(_source_of_constant(node))
        return lambda env: const
    if isinstance(node, ast.Name):
        name = node.id
        names.add(name)
        return lambda env: env[name]
    if isinstance(node, ast.UnaryOp):
        inner = _compile(node.operand, names, depth + 1)
        if isinstance(node.op, ast.USub):
            return lambda env: -inner(env)
        if isinstance(node.op, ast.UAdd):
            return inner
        raise FormulaSyntaxError(Message("only + and - may stand before a value"))
    if isinstance(node, ast.BinOp):
        terms = _weighted_terms(node)
        if terms is not None and len(terms) > 1:  # 0.3*a + 0.2*b - c: one closure, the loop in C
            coefficients = tuple(c for c, _ in terms)
            keys = tuple(k for _, k in terms)
            names.update(keys)
            return lambda env: sum(map(mul, coefficients, map(env.__getitem__, keys)))
        left = _compile(node.left, names, depth + 1)
        right = _compile(node.right, names, depth + 1)
        if isinstance(node.op, ast.Add):
            return lambda env: left(env) + right(env)
        if isinstance(node.op, ast.Sub):
            return lambda env: left(env) - right(env)
        if isinstance(node.op, ast.Mult):
            return lambda env: left(env) * right(env)
        if isinstance(node.op, ast.Div):
            if _constant_value(node.right) == 0:  # a/0, a/(1-1): every entrant would be left unranked
                raise FormulaSyntaxError(
                    Message("divides by {divisor}, which is always zero", divisor=ast.unparse(node.right))
                )
            return _divide(left, right)
        raise FormulaSyntaxError(Message("only + - * / are allowed as operators"))
    if isinstance(node, ast.Call):
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            raise FormulaSyntaxError(Message("the only functions are {functions}", functions=", ".join(FUNCTIONS)))
        if node.keywords:
            raise FormulaSyntaxError(
                Message("{function}() takes plain values, not {example}", function=node.func.id, example="name=value")
            )
        args = [_compile(arg, names, depth + 1) for arg in node.args]
        fname = node.func.id
        if fname == "abs":
            if len(args) != 1:
                raise FormulaSyntaxError(Message("{function}() takes exactly one value", function=fname))
            only = args[0]
            return lambda env: abs(only(env))
        if len(args) < 2:
            raise FormulaSyntaxError(Message("{function}() takes two or more values", function=fname))
        pick = min if fname == "min" else max
        return lambda env: pick(arg(env) for arg in args)
    if isinstance(node, ast.Compare | ast.BoolOp):
        raise FormulaSyntaxError(
            Message(
                "comparisons and {logic} are not part of formulas; use {min}() and {max}()",
                logic="and/or",
                min="min",
                max="max",
            )
        )
    raise FormulaSyntaxError(Message("{construct} is not allowed in a formula", construct=type(node).__name__))


def _weighted_terms(node: ast.expr, sign: int = 1) -> list[tuple[Decimal, str]] | None:
    """``0.3*a + b - 2*c`` -> [(0.3, a), (1, b), (-2, c)]; None when the formula is not such a weighted sum."""
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub):
        left = _weighted_terms(node.left, sign)
        right = _weighted_terms(node.right, -sign if isinstance(node.op, ast.Sub) else sign)
        return None if left is None or right is None else left + right
    if isinstance(node, ast.Name):
        return [(Decimal(sign), node.id)]
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Mult):
        for const, name in ((node.left, node.right), (node.right, node.left)):
            if (
                isinstance(const, ast.Constant)
                and isinstance(const.value, int | float)
                and not isinstance(const.value, bool)
                and isinstance(name, ast.Name)
            ):
                return [(Decimal(_source_of_constant(const)) * sign, name.id)]
    return None


def _divide(left: Node, right: Node) -> Node:
    def divide(env: Env) -> Decimal:
        divisor = right(env)
        if not divisor:
            raise FormulaEvalError(Message("division by zero"))
        return left(env) / divisor

    return divide


def _constant_value(node: ast.expr) -> Decimal | None:
    """The value of a part of a formula that reads no name (``1 - 1``, ``max(0, 2) * 3``), else None."""
    if isinstance(node, ast.Constant):
        if isinstance(node.value, bool) or not isinstance(node.value, int | float):
            return None
        return Decimal(_source_of_constant(node))
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.UAdd):
        inner = _constant_value(node.operand)
        return None if inner is None else (-inner if isinstance(node.op, ast.USub) else inner)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add | ast.Sub | ast.Mult | ast.Div):
        left, right = _constant_value(node.left), _constant_value(node.right)
        if left is None or right is None:
            return None
        with precise():
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Mult):
                return left * right
            return left / right if right else None  # 1/0 inside is refused where it is compiled
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in FUNCTIONS and node.args:
        args = [_constant_value(arg) for arg in node.args]
        if any(a is None for a in args) or node.keywords:
            return None
        known = [a for a in args if a is not None]
        if node.func.id == "abs":
            return abs(known[0]) if len(known) == 1 else None
        return min(known) if node.func.id == "min" else max(known)
    return None


def _renderer(tree: ast.expr) -> Callable[[Mapping[str, str]], str]:
    def render(values: Mapping[str, str]) -> str:
        return _render(tree, values, 0)

    return render


_PRECEDENCE = {ast.Add: 1, ast.Sub: 1, ast.Mult: 2, ast.Div: 2}
_SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/"}


def _render(node: ast.expr, values: Mapping[str, str], parent: int) -> str:
    if isinstance(node, ast.Constant):
        return _source_of_constant(node)
    if isinstance(node, ast.Name):
        return values.get(node.id, node.id)
    if isinstance(node, ast.UnaryOp):
        sign = "-" if isinstance(node.op, ast.USub) else "+"
        return sign + _render(node.operand, values, 3)
    if isinstance(node, ast.BinOp):
        prec = _PRECEDENCE[type(node.op)]
        # the right operand of - and / binds tighter: a - (b - c)
        right_prec = prec + 1 if isinstance(node.op, ast.Sub | ast.Div) else prec
        text = f"{_render(node.left, values, prec)} {_SYMBOL[type(node.op)]} {_render(node.right, values, right_prec)}"
        return f"({text})" if prec < parent else text
    if isinstance(node, ast.Call) and isinstance(node.func, ast.Name):
        return f"{node.func.id}({', '.join(_render(a, values, 0) for a in node.args)})"
    return "?"  # pragma: no cover - _compile refused everything else


def _source_of_constant(node: ast.Constant) -> str:
    """The literal as written: TOML/formula ``0.1`` is one tenth, never the binary float."""
    value = node.value
    if isinstance(value, float):
        return repr(value)
    return str(value)


def weighted_sum(formula: Formula) -> dict[str, Decimal] | None:
    """``0.3*a + b - 2*c`` -> {a: 0.3, b: 1, c: -2}, exactly as the formula computes it; None when the formula is
    not such a weighted sum of names (a constant term, a product of names, a division, a function...)."""
    terms = _weighted_terms(_tree(formula.source))
    if terms is None:
        return None
    weights: dict[str, Decimal] = {}
    for weight, name in terms:
        weights[name] = CONTEXT.add(weights.get(name, ZERO), weight)
    return weights


def linear_weights(formula: Formula) -> dict[str, Decimal]:
    """``0.2*a + 0.8*b`` -> {a: 0.2, b: 0.8}; {} when the formula is not such a weighted sum."""
    try:
        tree = _tree(formula.source)
    except SyntaxError:  # pragma: no cover - the formula parsed once already
        return {}
    terms: list[ast.expr] = []

    def flatten(node: ast.expr) -> bool:
        if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
            return flatten(node.left) and flatten(node.right)
        terms.append(node)
        return True

    flatten(tree)
    weights: dict[str, Decimal] = {}
    for term in terms:
        if isinstance(term, ast.BinOp) and isinstance(term.op, ast.Mult):
            pair = (term.left, term.right)
            name = next((p for p in pair if isinstance(p, ast.Name)), None)
            weight = next((w for p in pair if (w := _constant(p)) is not None), None)
            if name is None or weight is None:
                return {}
            weights[name.id] = weights.get(name.id, ZERO) + weight
        else:
            return {}
    return weights


def _constant(node: object) -> Decimal | None:
    if isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub):
        inner = _constant(node.operand)
        return None if inner is None else -inner
    if isinstance(node, ast.Constant) and isinstance(node.value, int | float) and not isinstance(node.value, bool):
        return Decimal(repr(node.value))
    return None
