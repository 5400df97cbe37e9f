"""The condition language: a small, readable expression grammar.

Staff write conditions such as ``kloe.score <= params.reassess_at_or_below`` or
``count(theme where score >= 4) >= params.strong_themes and min(theme.score) >= 3``.
:func:`parse_expression` parses them with a real LALR parser (lark) into the
AST below; nothing is ever ``eval``-ed.  Every node keeps its (line, column)
inside the text so errors map back to the YAML file.
"""

from __future__ import annotations

import hashlib
import re
import unicodedata
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from typing import Any, Union

from lark import Lark, Token, Transformer, Tree, v_args
from lark import __version__ as lark_version
from lark.exceptions import UnexpectedCharacters, UnexpectedEOF, UnexpectedInput, UnexpectedToken, VisitError

from .._yaml import text_position

__all__ = [
    "Expr",
    "Const",
    "Ref",
    "ListLit",
    "Neg",
    "Not",
    "Arith",
    "Compare",
    "BoolOp",
    "Call",
    "ExprSyntaxError",
    "parse_expression",
    "AGGREGATES",
    "SCALAR_FUNCTIONS",
    "walk",
]

KEYWORDS = ("and", "or", "not", "in", "where", "true", "false")
AGGREGATES = ("count", "share", "sum", "min", "max", "mean", "lower_median")
SCALAR_FUNCTIONS = ("min", "max", "abs", "known")

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

_OPTIONS: dict[str, Any] = {"parser": "lalr", "propagate_positions": True, "maybe_placeholders": True}


def grammar_key() -> str:
    """What the parser's tables depend on: the grammar, the options and lark's version."""
    text = f"{_GRAMMAR}\0{sorted(_OPTIONS.items())}\0{lark_version}"
    return hashlib.sha256(text.encode()).hexdigest()


def build_parser() -> Lark:
    """The parser built from the grammar (LALR table construction: tens of milliseconds)."""
    return Lark(_GRAMMAR, **_OPTIONS)


def _load_parser() -> Lark:
    """The parser, from the tables saved beside this module (plain Python data, no pickle) when they were made
    from this grammar by this version of lark (``python tools/grammar_tables.py`` writes them), else built."""
    try:
        from ._grammar_tables import KEY, TABLES
    except ImportError:  # pragma: no cover - the tables ship with the package
        return build_parser()
    if KEY != grammar_key():
        return build_parser()  # another lark, or an edited grammar: the tables would not match it
    return Lark.load(TABLES)


_PARSER = _load_parser()

# Real conditions nest a handful of levels; every later stage (checking, compiling, evaluating) walks
# the tree recursively, so a limit keeps a pathological condition an error rather than a crash.
MAX_NESTING = 100
MAX_DIGITS = 1000


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
    operand: Expr


@dataclass(frozen=True)
class Not(Node):
    operand: Expr


@dataclass(frozen=True)
class Arith(Node):
    op: str
    left: Expr
    right: Expr


@dataclass(frozen=True)
class Compare(Node):
    op: str  # == != < <= > >= in "not in"
    left: Expr
    right: Expr


@dataclass(frozen=True)
class BoolOp(Node):
    op: str  # and | or
    items: tuple[Expr, ...]


@dataclass(frozen=True)
class Call(Node):
    name: str
    args: tuple[Expr, ...]
    where: Expr | None


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
    digits = len(text.rstrip("%").replace(".", ""))
    if digits > MAX_DIGITS:  # Python refuses to read integers of more than 4,300 digits
        raise ExprSyntaxError(
            f"this number has {digits:,} digits; at most {MAX_DIGITS:,} are allowed",
            *_tok(token),
            "no assessment needs a number this long: check for a paste that went wrong",
        )
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
        for token in children:
            _not_a_keyword(token)
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
        _not_a_keyword(name)
        return Call(*_tok(name), str(name), arguments[0], arguments[1])

    def arguments(self, meta, children):
        *args, where = children
        return (tuple(args), where)


def _not_a_keyword(token: Token) -> None:
    # The contextual lexer reads a keyword where only a name can follow (after '.', at the start) as a name.
    if str(token) in KEYWORDS:
        raise ExprSyntaxError(
            f"'{token}' is a keyword, not a name",
            *_tok(token),
            f"no fact, field or function is called {', '.join(KEYWORDS)}",
        )


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
    "ADDOP": "'+' or '-'",
    "MULOP": "'*' or '/'",
    "NAME": "a name",
    "NUMBER": "a number",
    "STRING": "a quoted text",
    "RPAR": "')'",
    "LPAR": "'('",
    "LSQB": "'['",
    "RSQB": "']'",
    "MINUS": "'-'",
    "COMMA": "','",
    "DOT": "'.'",
    "_AND": "'and'",
    "_OR": "'or'",
    "_NOT": "'not'",
    "_IN": "'in'",
    "_WHERE": "'where'",
    "_TRUE": "true",
    "_FALSE": "false",
    "$END": "the end of the condition",
}
# The tokens that can start a value: reported together as one word.
_VALUE_START = {"LPAR", "MINUS", "NAME", "NUMBER", "STRING", "_FALSE", "_TRUE", "_NOT"}


def _describe(expected: set[str]) -> str:
    words: list[str] = []
    if {"NAME", "NUMBER"} <= expected:
        words.append("a value (a name, a number, quoted text, true or false)")
        expected = expected - _VALUE_START
    if expected == {"LSQB"}:
        return "a list in square brackets, e.g. [1, 2]"
    words += sorted({_TOKEN_WORDS.get(name, name.lower().strip("_")) for name in expected})
    if len(words) > 5:
        words = words[:5] + ["…"]
    return ", ".join(words)


def parse_expression(text: str) -> Expr:
    """Parse condition text into an AST.

    Raises :class:`ExprSyntaxError` with the position inside ``text``.
    """
    if not isinstance(text, str):
        raise ExprSyntaxError("the condition is empty", 1, 1, "write a condition such as 'kloe.score <= 1'")
    return _parse(text)


@lru_cache(maxsize=4096)
def _parse(text: str) -> Expr:
    """``parse_expression``, remembered: the tree is immutable and its positions are inside ``text``, so the same
    text gives the same tree wherever it is written (a rules folder names the same aggregate many times, and a
    tuner's session loads the same folder again and again)."""
    if not text.strip():
        raise ExprSyntaxError("the condition is empty", 1, 1, "write a condition such as 'kloe.score <= 1'")
    masked = _mask_quoted(text)
    bare = _bare_equals(masked)
    if bare is not None:
        after = text[bare + 1 : bare + 2]
        hint = f"write '{after}=' to compare" if after in ("<", ">") else "write '==' to test equality"
        raise ExprSyntaxError("'=' is not a comparison", *text_position(text, bare), hint)
    for word in _WORD.finditer(masked):
        if word.group().lower() in KEYWORDS and not word.group().islower():
            raise ExprSyntaxError(
                f"unexpected '{word.group()}'",
                *text_position(text, word.start()),
                f"write '{word.group().lower()}' in lower case",
            )
    try:
        tree = _PARSER.parse(text)
        _check_nesting(tree)
        return _ToAst().transform(tree)  # type: ignore[no-any-return]
    except VisitError as exc:
        if isinstance(exc.orig_exc, ExprSyntaxError):
            raise exc.orig_exc from None
        if isinstance(exc.orig_exc, RecursionError):
            raise _too_long() from None
        raise
    except RecursionError:  # a flat chain of thousands of 'and's: not nested, but lark recurses along it
        raise _too_long() from None
    except UnexpectedEOF as exc:
        lines = text.split("\n")
        raise ExprSyntaxError(
            "the condition ends too early", len(lines), len(lines[-1]) + 1, f"expected {_describe(set(exc.expected))}"
        ) from None
    except UnexpectedToken as exc:
        expected_names = set(exc.expected)
        expected = f"expected {_describe(expected_names)}"
        if exc.token.type == "$END":
            lines = text.split("\n")
            raise ExprSyntaxError("the condition ends too early", len(lines), len(lines[-1]) + 1, expected) from None
        if exc.token.type == "COMP" and "_AND" in expected_names:
            # A complete comparison followed by another comparison: 'a < b < c'.
            raise ExprSyntaxError(
                "comparisons cannot be chained",
                exc.line or 1,
                exc.column or 1,
                "join two comparisons with 'and', e.g. 'a < b and b < c'",
            ) from None
        raise ExprSyntaxError(f"unexpected '{exc.token}'", exc.line or 1, exc.column or 1, expected) from None
    except UnexpectedCharacters as exc:
        index = exc.pos_in_stream or 0
        char = text[index] if index < len(text) else "?"
        if char in "'\"":
            raise ExprSyntaxError(
                "the quoted text is not closed", exc.line, exc.column, f"end it with {char} on the same line"
            ) from None
        raise ExprSyntaxError(
            f"unexpected character {_named(char)}",
            exc.line,
            exc.column,
            _CHARACTER_HINTS.get(char, "conditions use names, numbers, quoted text, and/or/not and comparisons"),
        ) from None
    except UnexpectedInput as exc:  # pragma: no cover - lark's other parse errors
        raise ExprSyntaxError("cannot parse the condition", exc.line, exc.column) from None


def _check_nesting(tree: Tree) -> None:  # type: ignore[type-arg]
    """Refuse a parse tree nested more than MAX_NESTING levels.

    A chain of one 'and' or 'or' is one level, and a call's argument list is part of the call.
    """
    stack = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        if depth > MAX_NESTING:
            raise ExprSyntaxError(
                f"the condition nests more than {MAX_NESTING} levels deep here",
                *_pos(node.meta),
                "split it: give a measure the inner part, or simplify the brackets",
            )
        for child in node.children:
            if isinstance(child, Tree):
                flat = (child.data == node.data and node.data in ("and_", "or_")) or child.data == "arguments"
                stack.append((child, depth if flat else depth + 1))


def _too_long() -> ExprSyntaxError:
    return ExprSyntaxError(
        "the condition is too long to read", 1, 1, "split it into several rules, or give a measure part of it"
    )


_CHARACTER_HINTS = {
    "&": "write 'and' to join conditions",
    "|": "write 'or' to join conditions",
    "!": "write 'not' to negate a condition, or '!=' for 'not equal'",
    # What a word processor or a copy from a PDF puts in place of what a condition needs.
    **dict.fromkeys("\u201c\u201d\u201e\u00ab\u00bb", 'write straight double quotes: "met"'),
    **dict.fromkeys("\u2018\u2019\u201a", "write straight quotes: 'met' or \"met\""),
    "\u2264": "write '<=' for 'at most'",
    "\u2265": "write '>=' for 'at least'",
    "\u2260": "write '!=' for 'not equal'",
    **dict.fromkeys("\u2212\u2013\u2014", "write '-' for minus"),
    "\u00d7": "write '*' to multiply",
    "\u00f7": "write '/' to divide",
    **dict.fromkeys("\u00a0\u2007\u202f\u2009\u200b\ufeff", "replace it with an ordinary space"),
}


def _named(char: str) -> str:
    """A character as a message shows it: itself, and, beyond ASCII, its code point and name, so a no-break
    space (which looks like a space) or a curly quote is told apart from the character it resembles."""
    if char.isascii():
        return f"'{char}'"
    shown = char if char.isprintable() and not char.isspace() else ""
    name = unicodedata.name(char, "").lower()
    return f"{f'{shown!r} ' if shown else ''}(U+{ord(char):04X}{' ' + name if name else ''})"


_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def _mask_quoted(text: str) -> str:
    """``text`` with the inside of every quoted text blanked, so scans see only the condition's own words.

    An unclosed quote (quoted text ends on its line) blanks everything after it: the parser reports it.
    """
    out = list(text)
    quote, start = "", 0
    for index, char in enumerate(text):
        if quote and char == quote:
            out[start + 1 : index] = " " * (index - start - 1)
            quote = ""
        elif quote and char == "\n":
            break
        elif not quote and char in "'\"":
            quote, start = char, index
    if quote:
        out[start + 1 :] = " " * (len(text) - start - 1)
    return "".join(out)


def _bare_equals(masked: str) -> int | None:
    """Index of a lone '=' (a common slip for '==') in condition text with quoted text masked, if any."""
    for index, char in enumerate(masked):
        if (
            char == "="
            and masked[index - 1 : index] not in ("=", "<", ">", "!")
            and masked[index + 1 : index + 2] != "="
        ):
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
    """Canonical text of an expression, for messages and the audit trail.

    Parsing the text gives the same tree back (positions aside), with the fewest
    brackets that keep it so.
    """
    if isinstance(expr, Const):
        return _literal(expr.value)
    if isinstance(expr, Ref):
        return expr.dotted
    if isinstance(expr, ListLit):
        return "[" + ", ".join(unparse(item) for item in expr.items) + "]"
    if isinstance(expr, Neg):
        return f"-{_wrap(expr.operand, _PREC_NEG)}"
    if isinstance(expr, Not):
        return f"not {_wrap(expr.operand, _PREC_NOT)}"
    if isinstance(expr, Arith):
        prec = _precedence(expr)
        # left-associative: a right operand of the same precedence needs brackets
        return f"{_wrap(expr.left, prec)} {expr.op} {_wrap(expr.right, prec + 1)}"
    if isinstance(expr, Compare):
        # comparisons do not chain: an operand that is itself a comparison needs brackets
        return f"{_wrap(expr.left, _PREC_COMPARE + 1)} {expr.op} {_wrap(expr.right, _PREC_COMPARE + 1)}"
    if isinstance(expr, BoolOp):
        prec = _precedence(expr)
        return f" {expr.op} ".join(_wrap(item, prec + 1) for item in expr.items)
    if isinstance(expr, Call):
        text = ", ".join(unparse(arg) for arg in expr.args)
        if expr.where is not None:
            text += f" where {unparse(expr.where)}"
        return f"{expr.name}({text})"
    raise TypeError(f"not an expression: {expr!r}")  # pragma: no cover


_PREC_OR, _PREC_AND, _PREC_NOT, _PREC_COMPARE, _PREC_SUM, _PREC_PRODUCT, _PREC_NEG, _PREC_ATOM = range(1, 9)


def _precedence(expr: Expr) -> int:
    if isinstance(expr, BoolOp):
        return _PREC_OR if expr.op == "or" else _PREC_AND
    if isinstance(expr, Not):
        return _PREC_NOT
    if isinstance(expr, Compare):
        return _PREC_COMPARE
    if isinstance(expr, Arith):
        return _PREC_SUM if expr.op in ("+", "-") else _PREC_PRODUCT
    if isinstance(expr, Neg) or (isinstance(expr, Const) and _is_number(expr.value) and expr.value < 0):
        return _PREC_NEG
    return _PREC_ATOM


def _wrap(expr: Expr, at_least: int) -> str:
    """``expr`` as text, bracketed unless it binds at least as tightly as ``at_least``."""
    text = unparse(expr)
    return text if _precedence(expr) >= at_least else f"({text})"


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, Fraction)) and not isinstance(value, bool)


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return f"'{value}'" if '"' in value else f'"{value}"'
    if isinstance(value, Fraction):
        return _decimal(value)
    return str(value)


def _decimal(value: Fraction) -> str:
    """Exact decimal text of a Fraction (never through a float, which rounds)."""
    if value.denominator == 1:
        return str(value.numerator)
    rest = value.denominator
    for factor in (2, 5):
        while rest % factor == 0:
            rest //= factor
    if rest != 1:  # not a finite decimal (only reachable for computed values)
        return f"({value.numerator} / {value.denominator})"
    places = 0
    while (value * 10**places).denominator != 1:
        places += 1
    digits = str(abs(value.numerator) * 10**places // value.denominator).rjust(places + 1, "0")
    sign = "-" if value < 0 else ""
    return f"{sign}{digits[:-places]}.{digits[-places:]}"
