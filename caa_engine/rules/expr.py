"""The condition language: a small, readable expression grammar.

Staff write conditions such as ``kloe.score <= params.reassess_at_or_below`` or
``count(theme where score >= 4) >= params.strong_themes and min(theme.score) >= 3``.
:func:`parse_expression` parses them with a real LALR parser (lark) into the
AST below; nothing is ever ``eval``-ed.  Every node keeps its (line, column)
inside the text so errors map back to the YAML file.
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction
from typing import Any, Union

from lark import Lark, Token, Transformer, v_args
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken

__all__ = [
    "Expr", "Const", "Ref", "ListLit", "Neg", "Not", "Arith", "Compare", "BoolOp", "Call",
    "ExprSyntaxError", "parse_expression", "AGGREGATES", "SCALAR_FUNCTIONS", "walk",
]

AGGREGATES = ("count", "share", "sum", "min", "max", "mean", "lower_median")
SCALAR_FUNCTIONS = ("min", "max", "abs")

_GRAMMAR = r"""
?start: or_expr
?or_expr: and_expr
        | or_expr _OR and_expr            -> or_
?and_expr: not_expr
         | and_expr _AND not_expr         -> and_
?not_expr: _NOT not_expr                  -> not_
         | comparison
?comparison: sum
           | sum COMP sum                 -> compare
           | sum _IN list_lit             -> in_
           | sum _NOT _IN list_lit        -> not_in
?sum: product
    | sum ADDOP product                   -> arith
?product: unary
        | product MULOP unary             -> arith
?unary: "-" unary                         -> neg
      | atom
?atom: NUMBER                             -> number
     | STRING                             -> string
     | _TRUE                              -> true
     | _FALSE                             -> false
     | ref
     | NAME "(" arguments ")"             -> call
     | "(" or_expr ")"
ref: NAME ("." NAME)*
arguments: or_expr ("," or_expr)* [_WHERE or_expr]
list_lit: "[" [literal ("," literal)*] "]"
?literal: NUMBER -> number
        | STRING -> string
        | _TRUE -> true
        | _FALSE -> false
        | "-" NUMBER -> neg_number

_OR.2: /or\b/
_AND.2: /and\b/
_NOT.2: /not\b/
_IN.2: /in\b/
_WHERE.2: /where\b/
_TRUE.2: /true\b/
_FALSE.2: /false\b/
COMP: "==" | "!=" | "<=" | ">=" | "<" | ">"
ADDOP: "+" | "-"
MULOP: "*" | "/"
NAME: /[A-Za-z_][A-Za-z0-9_]*/
NUMBER: /[0-9]+(\.[0-9]+)?%?/
STRING: /"[^"\n]*"/ | /'[^'\n]*'/
%import common.WS
%ignore WS
"""

_PARSER = Lark(_GRAMMAR, parser="lalr", propagate_positions=True, maybe_placeholders=True)


@dataclass(frozen=True)
class Node:
    line: int
    column: int


@dataclass(frozen=True)
class Const(Node):
    value: Any  # int | Fraction | str | bool


@dataclass(frozen=True)
class Ref(Node):
    parts: tuple[str, ...]

    @property
    def dotted(self) -> str:
        return ".".join(self.parts)


@dataclass(frozen=True)
class ListLit(Node):
    items: tuple[Const, ...]


@dataclass(frozen=True)
class Neg(Node):
    operand: "Expr"


@dataclass(frozen=True)
class Not(Node):
    operand: "Expr"


@dataclass(frozen=True)
class Arith(Node):
    op: str
    left: "Expr"
    right: "Expr"


@dataclass(frozen=True)
class Compare(Node):
    op: str  # == != < <= > >= in "not in"
    left: "Expr"
    right: "Expr"


@dataclass(frozen=True)
class BoolOp(Node):
    op: str  # and | or
    items: tuple["Expr", ...]


@dataclass(frozen=True)
class Call(Node):
    name: str
    args: tuple["Expr", ...]
    where: "Expr | None"


Expr = Union[Const, Ref, ListLit, Neg, Not, Arith, Compare, BoolOp, Call]


class ExprSyntaxError(Exception):
    """A condition that does not parse; ``line``/``column`` are inside the text."""

    def __init__(self, message: str, line: int, column: int, hint: str = ""):
        super().__init__(message)
        self.message = message
        self.line = line
        self.column = column
        self.hint = hint


def _pos(meta: Any) -> tuple[int, int]:
    return getattr(meta, "line", 1) or 1, getattr(meta, "column", 1) or 1


def _tok(token: Token) -> tuple[int, int]:
    return token.line or 1, token.column or 1


def _number(token: Token) -> Const:
    text = str(token)
    value: int | Fraction
    if text.endswith("%"):
        value = Fraction(text[:-1]) / 100
    else:
        value = Fraction(text)
    if isinstance(value, Fraction) and value.denominator == 1:
        value = int(value)
    return Const(*_tok(token), value)


@v_args(meta=True)
class _ToAst(Transformer):  # type: ignore[type-arg]
    def number(self, meta, children):
        return _number(children[0])

    def neg_number(self, meta, children):
        const = _number(children[0])
        return Const(const.line, const.column, -const.value)

    def string(self, meta, children):
        return Const(*_tok(children[0]), str(children[0])[1:-1])

    def true(self, meta, children):
        return Const(*_pos(meta), True)

    def false(self, meta, children):
        return Const(*_pos(meta), False)

    def ref(self, meta, children):
        return Ref(*_pos(meta), tuple(str(c) for c in children))

    def list_lit(self, meta, children):
        return ListLit(*_pos(meta), tuple(c for c in children if c is not None))

    def neg(self, meta, children):
        operand = children[0]
        if isinstance(operand, Const) and not isinstance(operand.value, (str, bool)):
            return Const(*_pos(meta), -operand.value)
        return Neg(*_pos(meta), operand)

    def not_(self, meta, children):
        return Not(*_pos(meta), children[0])

    def arith(self, meta, children):
        left, op, right = children
        return Arith(*_pos(meta), str(op), left, right)

    def compare(self, meta, children):
        left, op, right = children
        return Compare(*_pos(meta), str(op), left, right)

    def in_(self, meta, children):
        return Compare(*_pos(meta), "in", children[0], children[1])

    def not_in(self, meta, children):
        return Compare(*_pos(meta), "not in", children[0], children[1])

    def and_(self, meta, children):
        return _flatten("and", meta, children)

    def or_(self, meta, children):
        return _flatten("or", meta, children)

    def call(self, meta, children):
        name, arguments = children
        return Call(*_tok(name), str(name), arguments[0], arguments[1])

    def arguments(self, meta, children):
        *args, where = children
        return (tuple(args), where)


def _flatten(op: str, meta: Any, children: list[Any]) -> BoolOp:
    items: list[Any] = []
    for child in children:
        if isinstance(child, BoolOp) and child.op == op:
            items.extend(child.items)
        else:
            items.append(child)
    return BoolOp(*_pos(meta), op, tuple(items))


_TOKEN_WORDS = {
    "COMP": "a comparison (==, !=, <, <=, >, >=)",
    "NAME": "a name",
    "NUMBER": "a number",
    "STRING": "a quoted text",
    "RPAR": "')'",
    "LPAR": "'('",
    "RSQB": "']'",
    "COMMA": "','",
    "DOT": "'.'",
    "_AND": "'and'",
    "_OR": "'or'",
    "_WHERE": "'where'",
    "$END": "the end of the condition",
}


def _describe(expected: set[str]) -> str:
    words = sorted({_TOKEN_WORDS.get(name, name.lower().strip("_")) for name in expected})
    if len(words) > 5:
        words = words[:5] + ["…"]
    return ", ".join(words)


def parse_expression(text: str) -> Expr:
    """Parse condition text into an AST.

    Raises :class:`ExprSyntaxError` with the position inside ``text``.
    """
    if not isinstance(text, str) or not text.strip():
        raise ExprSyntaxError("the condition is empty", 1, 1, "write a condition such as 'kloe.score <= 1'")
    bare = _bare_equals(text)
    if bare is not None:
        index = bare
        line = text.count("\n", 0, index) + 1
        column = index - (text.rfind("\n", 0, index) + 1) + 1
        raise ExprSyntaxError("'=' is not a comparison", line, column, "write '==' to test equality")
    try:
        return _ToAst().transform(_PARSER.parse(text))  # type: ignore[no-any-return]
    except UnexpectedEOF as exc:
        lines = text.split("\n")
        raise ExprSyntaxError("the condition ends too early", len(lines), len(lines[-1]) + 1,
                              f"expected {_describe(set(exc.expected))}") from None
    except UnexpectedToken as exc:
        expected = f"expected {_describe(set(exc.expected))}"
        if exc.token.type == "$END":
            lines = text.split("\n")
            raise ExprSyntaxError("the condition ends too early", len(lines), len(lines[-1]) + 1, expected) from None
        raise ExprSyntaxError(f"unexpected '{exc.token}'", exc.line or 1, exc.column or 1, expected) from None
    except UnexpectedCharacters as exc:
        char = text[exc.pos_in_stream] if exc.pos_in_stream < len(text) else "?"
        raise ExprSyntaxError(f"unexpected character '{char}'", exc.line, exc.column,
                              "conditions use names, numbers, quoted text, and/or/not and comparisons") from None
    except UnexpectedInput as exc:  # pragma: no cover - lark's other parse errors
        raise ExprSyntaxError("cannot parse the condition", exc.line, exc.column) from None


def _bare_equals(text: str) -> int | None:
    """Index of a lone '=' (a common slip for '==') outside quoted text, if any."""
    quote = ""
    for index, char in enumerate(text):
        if quote:
            quote = "" if char == quote else quote
        elif char in "'\"":
            quote = char
        elif char == "=" and text[index - 1: index] not in ("=", "<", ">", "!") and text[index + 1: index + 2] != "=":
            return index
    return None


def walk(expr: Expr):  # type: ignore[no-untyped-def]
    """Every node of ``expr``, depth first, the node before its children."""
    yield expr
    if isinstance(expr, (Neg, Not)):
        yield from walk(expr.operand)
    elif isinstance(expr, (Arith, Compare)):
        yield from walk(expr.left)
        yield from walk(expr.right)
    elif isinstance(expr, BoolOp):
        for item in expr.items:
            yield from walk(item)
    elif isinstance(expr, ListLit):
        yield from expr.items
    elif isinstance(expr, Call):
        for arg in expr.args:
            yield from walk(arg)
        if expr.where is not None:
            yield from walk(expr.where)


def unparse(expr: Expr) -> str:
    """Canonical text of an expression, for messages and the audit trail."""
    if isinstance(expr, Const):
        value = expr.value
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, str):
            return f'"{value}"'
        if isinstance(value, Fraction):
            return str(float(value))
        return str(value)
    if isinstance(expr, Ref):
        return expr.dotted
    if isinstance(expr, ListLit):
        return "[" + ", ".join(unparse(item) for item in expr.items) + "]"
    if isinstance(expr, Neg):
        return f"-{unparse(expr.operand)}"
    if isinstance(expr, Not):
        return f"not {unparse(expr.operand)}"
    if isinstance(expr, (Arith, Compare)):
        return f"{_wrap(expr.left)} {expr.op} {_wrap(expr.right)}"
    if isinstance(expr, BoolOp):
        return f" {expr.op} ".join(_wrap(item) for item in expr.items)
    if isinstance(expr, Call):
        text = ", ".join(unparse(arg) for arg in expr.args)
        if expr.where is not None:
            text += f" where {unparse(expr.where)}"
        return f"{expr.name}({text})"
    raise TypeError(f"not an expression: {expr!r}")  # pragma: no cover


def _wrap(expr: Expr) -> str:
    text = unparse(expr)
    return f"({text})" if isinstance(expr, (BoolOp, Arith, Compare)) else text
