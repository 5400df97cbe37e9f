"""The condition language: parsing, syntax errors and unparse (caa_engine/rules/expr.py)."""

from __future__ import annotations

import dataclasses
from fractions import Fraction
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_profiles import examples

from caa_engine.rules.expr import (
    Arith,
    BoolOp,
    Call,
    Compare,
    Const,
    Expr,
    ExprSyntaxError,
    ListLit,
    Neg,
    Not,
    Ref,
    parse_expression,
    unparse,
    walk,
)


def shape(node: Any) -> Any:
    """A node without its positions, so trees can be compared by what they mean."""
    if isinstance(node, tuple):
        return tuple(shape(item) for item in node)
    if dataclasses.is_dataclass(node):
        return (type(node).__name__,) + tuple(
            (f.name, shape(getattr(node, f.name))) for f in dataclasses.fields(node) if f.name not in ("line", "column")
        )
    return node


def parsed(text: str) -> Any:
    return shape(parse_expression(text))


def ref(*parts: str) -> Ref:
    return Ref(1, 1, parts)


def const(value: Any) -> Const:
    return Const(1, 1, value)


A, B, C = ref("a"), ref("b"), ref("c")


# -- precedence --------------------------------------------------------------------------------------------------


def test_not_binds_tighter_than_and_which_binds_tighter_than_or() -> None:
    expected = BoolOp(1, 1, "or", (BoolOp(1, 1, "and", (Not(1, 1, A), B)), C))
    assert parsed("not a and b or c") == shape(expected)
    assert parsed("a or b and c") == shape(BoolOp(1, 1, "or", (A, BoolOp(1, 1, "and", (B, C)))))


def test_not_applies_to_a_whole_comparison() -> None:
    assert parsed("not a == 1") == shape(Not(1, 1, Compare(1, 1, "==", A, const(1))))


def test_a_chain_of_the_same_boolean_operator_is_one_flat_node() -> None:
    assert parsed("a and b and c") == shape(BoolOp(1, 1, "and", (A, B, C)))
    assert parsed("a or (b or c)") == shape(BoolOp(1, 1, "or", (A, B, C)))


def test_multiplication_binds_tighter_than_addition_and_both_are_left_associative() -> None:
    assert parsed("1 + 2 * 3") == shape(Arith(1, 1, "+", const(1), Arith(1, 1, "*", const(2), const(3))))
    assert parsed("a - b - c") == shape(Arith(1, 1, "-", Arith(1, 1, "-", A, B), C))
    assert parsed("a / b / c") == shape(Arith(1, 1, "/", Arith(1, 1, "/", A, B), C))


def test_arithmetic_binds_tighter_than_comparison() -> None:
    assert parsed("a + 1 >= b * 2") == shape(
        Compare(1, 1, ">=", Arith(1, 1, "+", A, const(1)), Arith(1, 1, "*", B, const(2)))
    )


# -- lists -------------------------------------------------------------------------------------------------------


def test_in_and_not_in_take_a_list_of_literals() -> None:
    assert parsed("a in [\"x\", 'y']") == shape(Compare(1, 1, "in", A, ListLit(1, 1, (const("x"), const("y")))))
    assert parsed("a not in [1, -2, 2.5, 75%, true]") == shape(
        Compare(
            1,
            1,
            "not in",
            A,
            ListLit(1, 1, (const(1), const(-2), const(Fraction(5, 2)), const(Fraction(3, 4)), const(True))),
        )
    )


def test_not_before_an_in_test_negates_the_whole_test() -> None:
    assert parsed("not a in [1]") == shape(Not(1, 1, Compare(1, 1, "in", A, ListLit(1, 1, (const(1),)))))


def test_an_empty_list_is_allowed() -> None:
    assert parsed("a in []") == shape(Compare(1, 1, "in", A, ListLit(1, 1, ())))


# -- literals ----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("75%", Fraction(3, 4)),
        ("7.5%", Fraction(3, 40)),
        ("100%", 1),
        ("0.1", Fraction(1, 10)),
        ("0.6667", Fraction(6667, 10000)),
        ("3.0", 3),
        ("12345678901234567.5", Fraction(24691357802469135, 2)),
        ("-3", -3),
        ("- 0.5", Fraction(-1, 2)),
        ("--2", 2),
        ("007", 7),
    ],
)
def test_numbers_are_exact_ints_or_fractions(text: str, value: Any) -> None:
    node = parse_expression(text)
    assert isinstance(node, Const)
    assert node.value == value
    assert type(node.value) is type(value)


def test_text_can_be_quoted_either_way_and_hold_the_other_quote() -> None:
    assert parsed('"it\'s"') == shape(const("it's"))
    assert parsed("'say \"hi\"'") == shape(const('say "hi"'))
    assert parsed('""') == shape(const(""))


def test_true_and_false_are_booleans() -> None:
    assert parsed("a == true or b != false") == shape(
        BoolOp(1, 1, "or", (Compare(1, 1, "==", A, const(True)), Compare(1, 1, "!=", B, const(False))))
    )


def test_negating_a_name_keeps_a_negation_node() -> None:
    assert parsed("-a < -2") == shape(Compare(1, 1, "<", Neg(1, 1, A), const(-2)))


# -- names and keywords ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "notice",
        "android",
        "order",
        "index",
        "inner",
        "whereabouts",
        "trueish",
        "falsehood",
        "not_ready",
        "and_more",
        "or2",
        "in_scope",
    ],
)
def test_a_name_that_starts_with_a_keyword_is_a_name(name: str) -> None:
    assert parsed(f"{name} == 1") == shape(Compare(1, 1, "==", ref(name), const(1)))
    assert parsed(f"kloe.{name}") == shape(ref("kloe", name))


def test_notice_is_not_read_as_not_ice() -> None:
    assert parsed("notice") == shape(ref("notice"))
    assert parsed("not ice") == shape(Not(1, 1, ref("ice")))


KEYWORD_HINT = "no fact, field or function is called and, or, not, in, where, true, false"


@pytest.mark.parametrize(
    ("text", "word", "column"),
    [
        ("where.x == 1", "where", 1),
        ("kloe.in == 1", "in", 6),
        ("kloe.not", "not", 6),
        ("x == where", "where", 6),
        ("count(where) > 1", "where", 7),
        ("and == 1", "and", 1),
        ("where(kloe) > 1", "where", 1),
    ],
)
def test_a_keyword_is_never_read_as_a_name(text: str, word: str, column: int) -> None:
    # regression: where only a name could follow (the start, after '.'), 'where.x' parsed as a name
    with pytest.raises(ExprSyntaxError) as caught:
        parse_expression(text)
    assert (caught.value.message, caught.value.line, caught.value.column, caught.value.hint) == (
        f"'{word}' is a keyword, not a name",
        1,
        column,
        KEYWORD_HINT,
    )


@pytest.mark.parametrize(
    ("text", "word", "column"),
    [
        ("x == True", "True", 6),
        ("a == 1 AND b == 2", "AND", 8),
        ("NOT a", "NOT", 1),
        ("x IN [1]", "IN", 3),
        ("a Or b", "Or", 3),
        ("count(t WHERE a) > 1", "WHERE", 9),
        ("x\n  == FALSE", "FALSE", 6),
    ],
)
def test_a_keyword_in_capitals_is_refused_with_its_lower_case_spelling(text: str, word: str, column: int) -> None:
    with pytest.raises(ExprSyntaxError) as caught:
        parse_expression(text)
    line = 2 if "\n" in text else 1
    assert (caught.value.message, caught.value.line, caught.value.column, caught.value.hint) == (
        f"unexpected '{word}'",
        line,
        column,
        f"write '{word.lower()}' in lower case",
    )


def test_keywords_inside_quoted_text_are_just_text() -> None:
    assert parsed("a == 'AND where = True'") == shape(Compare(1, 1, "==", A, const("AND where = True")))


def test_dotted_names_keep_their_parts() -> None:
    assert parsed("kloe.score") == shape(ref("kloe", "score"))
    assert parse_expression("params.good_themes").dotted == "params.good_themes"  # type: ignore[union-attr]


# -- calls -------------------------------------------------------------------------------------------------------


def test_an_aggregate_without_where_has_no_filter() -> None:
    assert parsed("min(theme.score)") == shape(Call(1, 1, "min", (ref("theme", "score"),), None))
    assert parsed("count(theme)") == shape(Call(1, 1, "count", (ref("theme"),), None))


def test_an_aggregate_with_where_keeps_the_filter() -> None:
    assert parsed("count(theme where score >= 3 and score < 4)") == shape(
        Call(
            1,
            1,
            "count",
            (ref("theme"),),
            BoolOp(
                1, 1, "and", (Compare(1, 1, ">=", ref("score"), const(3)), Compare(1, 1, "<", ref("score"), const(4)))
            ),
        )
    )


def test_scalar_min_and_max_take_two_or_more_values() -> None:
    assert parsed("min(a, b)") == shape(Call(1, 1, "min", (A, B), None))
    assert parsed("max(a, 2, c + 1)") == shape(Call(1, 1, "max", (A, const(2), Arith(1, 1, "+", C, const(1))), None))


def test_a_nested_aggregate_expression_parses() -> None:
    text = "min(lower_median(kloe.score), min(kloe.score) + params.cap)"
    assert parsed(text) == shape(
        Call(
            1,
            1,
            "min",
            (
                Call(1, 1, "lower_median", (ref("kloe", "score"),), None),
                Arith(1, 1, "+", Call(1, 1, "min", (ref("kloe", "score"),), None), ref("params", "cap")),
            ),
            None,
        )
    )


# -- positions ---------------------------------------------------------------------------------------------------


def test_every_node_knows_its_line_and_column() -> None:
    node = parse_expression("kloe.score <= 1 and\n  count(theme where score >= 3) >= 2")
    positions = {unparse(n): (n.line, n.column) for n in walk(node)}
    assert positions["kloe.score"] == (1, 1)
    assert positions["1"] == (1, 15)
    assert positions["count(theme where score >= 3)"] == (2, 3)
    assert positions["score"] == (2, 21)
    assert positions["2"] == (2, 36)


def test_walk_visits_a_node_before_its_children() -> None:
    node = parse_expression("not (a + 1 > b)")
    assert [type(n).__name__ for n in walk(node)] == ["Not", "Compare", "Arith", "Ref", "Const", "Ref"]


# -- syntax errors -----------------------------------------------------------------------------------------------

VALUE = "expected a value (a name, a number, quoted text, true or false)"


@pytest.mark.parametrize(
    ("text", "message", "line", "column", "hint"),
    [
        ("a.b >> 3", "unexpected '>'", 1, 6, VALUE),
        ("x = 3", "'=' is not a comparison", 1, 3, "write '==' to test equality"),
        ("x => 3", "'=' is not a comparison", 1, 3, "write '>=' to compare"),
        ("x =< 3", "'=' is not a comparison", 1, 3, "write '<=' to compare"),
        ("a < b < c", "comparisons cannot be chained", 1, 7, "join two comparisons with 'and', e.g. 'a < b and b < c'"),
        (
            "a == 1 != b",
            "comparisons cannot be chained",
            1,
            8,
            "join two comparisons with 'and', e.g. 'a < b and b < c'",
        ),
        ("x == 'abc", "the quoted text is not closed", 1, 6, "end it with ' on the same line"),
        ("x == 'abc = 1", "the quoted text is not closed", 1, 6, "end it with ' on the same line"),
        ('x == "abc', "the quoted text is not closed", 1, 6, 'end it with " on the same line'),
        ('x == "a\nb"', "the quoted text is not closed", 1, 6, 'end it with " on the same line'),
        ("", "the condition is empty", 1, 1, "write a condition such as 'kloe.score <= 1'"),
        ("   \n ", "the condition is empty", 1, 1, "write a condition such as 'kloe.score <= 1'"),
        ("x <= 1 and", "the condition ends too early", 1, 11, VALUE),
        ("x == 1\n  and y ==", "the condition ends too early", 2, 11, VALUE),
        ("(x", "the condition ends too early", 1, 3, "expected ')', 'or'"),
        ("x)", "unexpected ')'", 1, 2, "expected 'or', the end of the condition"),
        ("x in 3", "unexpected '3'", 1, 6, "expected a list in square brackets, e.g. [1, 2]"),
        ("a..b", "unexpected '.'", 1, 3, "expected a name"),
        ("f()", "unexpected ')'", 1, 3, VALUE),
        ("count(t where a where b)", "unexpected 'where'", 1, 17, "expected ')', 'or'"),
        ("x && y", "unexpected character '&'", 1, 3, "write 'and' to join conditions"),
        ("x || y", "unexpected character '|'", 1, 3, "write 'or' to join conditions"),
        ("!x", "unexpected character '!'", 1, 1, "write 'not' to negate a condition, or '!=' for 'not equal'"),
        (
            "x == 3 %",
            "unexpected character '%'",
            1,
            8,
            "conditions use names, numbers, quoted text, and/or/not and comparisons",
        ),
    ],
)
def test_a_syntax_error_says_what_where_and_how_to_fix_it(
    text: str, message: str, line: int, column: int, hint: str
) -> None:
    with pytest.raises(ExprSyntaxError) as caught:
        parse_expression(text)
    error = caught.value
    assert (error.message, error.line, error.column, error.hint) == (message, line, column, hint)
    assert str(error) == message


@pytest.mark.parametrize(
    ("text", "message", "column", "hint"),
    [
        ("x\u00a0== 1", "unexpected character (U+00A0 no-break space)", 2, "replace it with an ordinary space"),
        (
            "x == \u201cmet\u201d",
            "unexpected character '\u201c' (U+201C left double quotation mark)",
            6,
            'write straight double quotes: "met"',
        ),
        ("x \u2264 1", "unexpected character '\u2264' (U+2264 less-than or equal to)", 3, "write '<=' for 'at most'"),
        ("x \u2212 1 > 0", "unexpected character '\u2212' (U+2212 minus sign)", 3, "write '-' for minus"),
    ],
)
def test_regression_a_character_from_outside_ascii_is_named_and_the_one_meant_suggested(
    text: str, message: str, column: int, hint: str
) -> None:
    # A no-break space was reported as "unexpected character ' '", which reads as an ordinary space, and a curly
    # quote or '≤' got the generic hint, though what was meant is plain.
    with pytest.raises(ExprSyntaxError) as caught:
        parse_expression(text)
    assert (caught.value.message, caught.value.column, caught.value.hint) == (message, column, hint)


@pytest.mark.parametrize("text", ["x >= 1e5", "1.", ".5", "x == 'it''s'", "[1] == a", "a b"])
def test_text_outside_the_language_is_refused(text: str) -> None:
    with pytest.raises(ExprSyntaxError):
        parse_expression(text)


def test_an_equals_sign_inside_quoted_text_is_not_a_slip() -> None:
    assert parsed("a == 'x = y'") == shape(Compare(1, 1, "==", A, const("x = y")))


# -- unparse -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "canonical"),
    [
        ("kloe.score<=1", "kloe.score <= 1"),
        (
            "count(theme where score>=params.good)>=2 and min(theme.score)>=3",
            "count(theme where score >= params.good) >= 2 and min(theme.score) >= 3",
        ),
        ("(a and b) or c", "a and b or c"),
        ("a and (b or c)", "a and (b or c)"),
        ("not (a and b)", "not (a and b)"),
        ("-(a + b)", "-(a + b)"),
        ("(not a) == b", "(not a) == b"),
        ("(a == 1) == true", "(a == 1) == true"),
        ("a - (b - c)", "a - (b - c)"),
        ("a * -b", "a * -b"),
        ("x in [75%, -1, 'y']", 'x in [0.75, -1, "y"]'),
        ("x == 0.00001", "x == 0.00001"),
        ("x == 12345678901234567.5", "x == 12345678901234567.5"),
        ("x == 'say \"hi\"'", "x == 'say \"hi\"'"),
    ],
)
def test_unparse_gives_canonical_text_with_the_fewest_brackets(text: str, canonical: str) -> None:
    assert unparse(parse_expression(text)) == canonical


def test_unparse_of_a_negated_conjunction_keeps_its_brackets() -> None:
    # regression: 'not (a and b)' came back as 'not a and b', which means '(not a) and b'
    node = parse_expression("not (a and b)")
    assert shape(parse_expression(unparse(node))) == shape(node)


def test_unparse_of_a_negated_sum_keeps_its_brackets() -> None:
    # regression: '-(a + b)' came back as '-a + b'
    node = parse_expression("-(a + b)")
    assert shape(parse_expression(unparse(node))) == shape(node)


def test_unparse_writes_decimals_exactly_never_through_a_float() -> None:
    # regression: decimals were written through float(), so 0.00001 became '1e-05' (which does not parse)
    # and long decimals were rounded
    for text in ("0.00001", "12345678901234567.5", "0.1000000000000000055511151231257827"):
        assert unparse(parse_expression(text)) == text


def test_unparse_quotes_text_that_holds_a_double_quote_with_single_quotes() -> None:
    # regression: text holding '"' was written between double quotes, which does not parse
    node = Const(1, 1, 'say "hi"')
    assert shape(parse_expression(unparse(node))) == shape(node)


def test_unparse_shows_a_fraction_that_is_no_finite_decimal_as_a_division() -> None:
    assert unparse(Const(1, 1, Fraction(1, 3))) == "(1 / 3)"


# -- round trip (hypothesis) -------------------------------------------------------------------------------------

KEYWORDS = {"and", "or", "not", "in", "where", "true", "false"}
names = st.sampled_from(
    ["a", "b", "kloe", "score", "theme", "notice", "android", "order", "index", "truth", "whereas", "params", "x_1"]
)
numbers = st.one_of(
    st.integers(min_value=-(10**6), max_value=10**20),
    st.builds(lambda n, k: Fraction(n, 10**k), st.integers(-(10**9), 10**9), st.integers(0, 12)),
)
texts = st.text(st.characters(blacklist_categories=("Cs",), blacklist_characters="\n\r"), max_size=8).filter(
    lambda s: not ('"' in s and "'" in s)
)
literals = st.one_of(numbers, texts, st.booleans()).map(const)
refs = st.lists(names, min_size=1, max_size=3).map(lambda parts: Ref(1, 1, tuple(parts)))
calls = st.builds(
    lambda name, arg, where: Call(1, 1, name, (arg,), where),
    st.sampled_from(["count", "share", "min", "lower_median", "sum"]),
    refs,
    st.none(),
)


def _compound(children: st.SearchStrategy[Expr]) -> st.SearchStrategy[Expr]:
    return st.one_of(
        st.builds(lambda e: Neg(1, 1, e), children),
        st.builds(lambda e: Not(1, 1, e), children),
        st.builds(lambda op, left, right: Arith(1, 1, op, left, right), st.sampled_from("+-*/"), children, children),
        st.builds(
            lambda op, left, right: Compare(1, 1, op, left, right),
            st.sampled_from(["==", "!=", "<", "<=", ">", ">="]),
            children,
            children,
        ),
        st.builds(
            lambda op, left, items: Compare(1, 1, op, left, ListLit(1, 1, tuple(items))),
            st.sampled_from(["in", "not in"]),
            children,
            st.lists(literals, max_size=3),
        ),
        st.builds(
            lambda op, items: BoolOp(1, 1, op, tuple(items)),
            st.sampled_from(["and", "or"]),
            st.lists(children, min_size=2, max_size=3),
        ),
        st.builds(
            lambda name, args: Call(1, 1, name, tuple(args), None),
            st.sampled_from(["min", "max"]),
            st.lists(children, min_size=2, max_size=3),
        ),
        st.builds(
            lambda name, arg, where: Call(1, 1, name, (arg,), where),
            st.sampled_from(["count", "share", "mean"]),
            refs,
            children,
        ),
    )


expressions = st.recursive(st.one_of(literals, refs, calls), _compound, max_leaves=12)


def normalise(node: Any) -> Any:
    """What the parser makes of ``node``: flat and/or chains, negative number literals folded."""
    if isinstance(node, Const):
        value = node.value
        if isinstance(value, Fraction) and value.denominator == 1:
            value = int(value)
        return Const(1, 1, value)
    if isinstance(node, Neg):
        inner = normalise(node.operand)
        if isinstance(inner, Const) and isinstance(inner.value, (int, Fraction)) and not isinstance(inner.value, bool):
            return Const(1, 1, -inner.value)
        return Neg(1, 1, inner)
    if isinstance(node, BoolOp):
        items: list[Any] = []
        for item in map(normalise, node.items):
            items.extend(item.items if isinstance(item, BoolOp) and item.op == node.op else [item])
        return BoolOp(1, 1, node.op, tuple(items))
    if isinstance(node, Not):
        return Not(1, 1, normalise(node.operand))
    if isinstance(node, (Arith, Compare)):
        return dataclasses.replace(node, left=normalise(node.left), right=normalise(node.right))
    if isinstance(node, ListLit):
        return ListLit(1, 1, tuple(normalise(item) for item in node.items))
    if isinstance(node, Call):
        return Call(
            1,
            1,
            node.name,
            tuple(normalise(a) for a in node.args),
            normalise(node.where) if node.where is not None else None,
        )
    return node


@settings(max_examples=examples(300))
@given(expressions)
def test_unparse_then_parse_gives_the_same_tree(node: Expr) -> None:
    text = unparse(node)
    assert shape(parse_expression(text)) == shape(normalise(node)), text


@settings(max_examples=examples(300))
@given(expressions)
def test_parse_of_unparse_of_parse_is_parse(node: Expr) -> None:
    first = parse_expression(unparse(node))
    again = parse_expression(unparse(first))
    assert shape(again) == shape(first)
    assert unparse(again) == unparse(first)
