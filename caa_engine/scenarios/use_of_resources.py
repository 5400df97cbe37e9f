"""Steps of the use of resources: KLOE scores given by code, by theme or for the whole table, theme scores, and
the KLOEs to be reassessed next year. Themes and KLOE codes may be named, or read from the rules under test
('its first theme', 'the second KLOE of its largest theme') where the scenario is not about the 2009 table.
"""

from __future__ import annotations

import re
from typing import Any

from pytest_bdd import given, parsers, then

from .area import Area, slug
from .words import check, table_rows, whole, words_list

# --------------------------------------------------------------------------------------------------
# Use of resources
# --------------------------------------------------------------------------------------------------

WHOSE = r"(?:an? (?:body|council) whose|its|(?P<name>[A-Z][^']*?)'s)"


ORDINALS = ("first", "second", "third", "fourth", "fifth", "sixth", "seventh", "eighth", "ninth", "tenth")


def kloe_table(area: Area) -> dict[str, dict[str, Any]]:
    """The rules' KLOE table (code -> row), in code order."""
    rows = area.plan.tables.get("kloe", {}).get("rows", {})
    return {
        code: rows[code] for code in sorted(rows, key=lambda c: [int(p) if p.isdigit() else p for p in c.split(".")])
    }


def themes(area: Area) -> list[str]:
    """The themes of the rules under test, in the order of their first KLOE."""
    return list(dict.fromkeys(str(row.get("theme", "")) for row in kloe_table(area).values()))


def theme_named(area: Area, theme_words: str) -> str:
    """A theme in words: its name ('managing finances'), or, so that a scenario not about one KLOE table stays
    true under another, read from the rules under test: 'first' ... 'tenth' or 'last' (in the order of their
    KLOEs), or 'largest' (the theme with most KLOEs; the first such)."""
    words = theme_words.strip().lower().removeprefix("its ").removeprefix("the ").removesuffix(" theme")
    order = themes(area)
    if words in ORDINALS and ORDINALS.index(words) < len(order):
        return order[ORDINALS.index(words)]
    if words == "last" and order:
        return order[-1]
    if words == "largest" and order:
        counts = [sum(1 for row in kloe_table(area).values() if row.get("theme") == t) for t in order]
        return order[counts.index(max(counts))]
    theme = slug(words).replace("-", "_")
    if theme not in order:
        shown = ", ".join(t.replace("_", " ") for t in order)
        raise ValueError(
            f"this scenario names the theme '{theme_words}', and the rules under test have no such theme (they have "
            f"{len(order)}: {shown}); it states the KLOE table it was written for, so it no longer describes these "
            "rules (a scenario not about one table says 'its first theme', 'its largest theme')"
        )
    return theme


def theme_kloes(area: Area, theme_words: str) -> list[str]:
    """The KLOE codes of a theme named in words ('managing finances', 'first'), from the rules' KLOE table."""
    theme = theme_named(area, theme_words)
    return [code for code, row in kloe_table(area).items() if row.get("theme") == theme]


def theme_score(area: Area, body_id: str, theme_words: str) -> int | None:
    """A body's score for a theme, or None for a theme with no assessed KLOE (the body must be judged)."""
    area.require("theme_score")
    judged = (area.result().elements["use_of_resources"].bodies or {}).get(body_id)
    check(judged is not None, area, f"expected a use of resources judgement for {area.bodies[body_id]['name']}")
    assert judged is not None
    theme = theme_named(area, theme_words)
    return next((row["score"] for row in judged.measures.get("theme_score", []) if row.get("theme") == theme), None)


@given(parsers.re(WHOSE + r" (?P<scores>KLOE \S+ is scored \d.*)$"))
def given_kloe_scores(area: Area, name: str | None, scores: str) -> None:
    """Given a council whose KLOE <code> is scored <n> [and KLOE <code> is scored <n> ...]: the auditor's KLOE
    scores (also: 'its KLOE ...', '<body>'s KLOE ...'). A KLOE not named is not assessed."""
    pairs = re.findall(r"KLOE (\S+) is scored (\d)", scores)
    if not pairs:
        raise ValueError(f"say each score as 'KLOE 1.1 is scored 3', not '{scores}'")
    area.set_kloes(area.body(name), {code: int(score) for code, score in pairs})


@given(parsers.re(WHOSE + r" KLOEs are scored:$"))
def given_kloe_table(area: Area, name: str | None, datatable: list[list[str]]) -> None:
    """Given a council whose KLOEs are scored: a table with columns KLOE and score; a KLOE not listed is not
    assessed, and a score left empty is not assessed either."""
    rows = table_rows(datatable, ("kloe", "score"))
    area.set_kloes(
        area.body(name),
        {row["kloe"]: whole(row["score"], f"score of KLOE {row['kloe']}") for row in rows if row.get("score")},
    )


@given(
    parsers.re(WHOSE + r" (?P<theme>[a-z ]+?)(?: theme's)? KLOEs are (?P<every>all )?scored (?P<scores>[\d ,and]+)$")
)
def given_theme_kloes(area: Area, name: str | None, theme: str, every: str | None, scores: str) -> None:
    """Given a council whose <theme> KLOEs are scored <n>, <n> and <n>: the theme's KLOEs in order (1.1, 1.2,
    ...); with fewer scores than KLOEs the rest are not assessed; 'all scored <n>' scores every one.

    The theme by name, or read from the rules under test: '<first|second|...|last|largest> theme's KLOEs'."""
    codes = theme_kloes(area, theme)
    values = [int(v) for v in words_list(scores)]
    if every:
        if len(values) != 1:
            raise ValueError(f"say 'all scored <n>' with one score, not 'all scored {scores}'")
        values *= len(codes)
    if len(values) > len(codes):
        raise ValueError(f"the {theme} theme has {len(codes)} KLOEs ({', '.join(codes)}), not {len(values)}")
    area.set_kloes(area.body(name), dict(zip(codes, values, strict=False)))


@given(parsers.re(WHOSE + r" (?:themes all score|KLOEs are all scored) (?P<score>\d)$"))
def given_all_kloes(area: Area, name: str | None, score: str) -> None:
    """Given a council whose themes all score <n>|KLOEs are all scored <n>: every KLOE of the rules' KLOE
    table scored that, whatever its themes, so every theme scores it."""
    area.set_kloes(area.body(name), dict.fromkeys(kloe_table(area), int(score)))


@given(parsers.re(WHOSE + r" themes score (?P<scores>(?!all ).+)$"))
def given_theme_scores(area: Area, name: str | None, scores: str) -> None:
    """Given a council whose themes score <n> for <theme>, <n> for <theme> and <n> for <theme>: every KLOE of
    each theme named is scored that, so the theme scores it; a theme not named is not assessed.

    A theme by name, or read from the rules under test: 'the first|second|...|last|largest theme'; '<n> for
    every other theme' scores every theme not yet named."""
    body_id = area.body(name)
    pairs = re.findall(r"(\d) for ([a-z ]+?)(?=,| and |$)", scores)
    if not pairs:
        raise ValueError(f"say each theme as '3 for managing finances', not '{scores}'")
    named: set[str] = set()
    for score, theme in pairs:
        if theme.strip() in ("every other theme", "the other themes", "the rest"):
            chosen = [t for t in themes(area) if t not in named]
        else:
            chosen = [theme_named(area, theme)]
        for one in chosen:
            named.add(one)
            codes = [code for code, row in kloe_table(area).items() if row.get("theme") == one]
            area.set_kloes(body_id, dict.fromkeys(codes, int(score)))


@then(parsers.re(r"(?:its|(?P<name>[A-Z][^']*?)'s) (?P<theme>[a-z ]+?) theme scores (?P<score>\d)$"))
def then_theme_scores(area: Area, name: str | None, theme: str, score: str) -> None:
    """Then its <theme> theme scores <n>: the theme's score (lower median of its KLOEs, capped above its lowest)."""
    body_id = area.body(name)
    got = theme_score(area, body_id, theme)
    check(got == int(score), area, f"expected the {theme} theme of {body_id} to score {score}; it scores {got}")


@then(parsers.re(r"(?:its|(?P<name>[A-Z][^']*?)'s) (?P<theme>[a-z ]+?) theme has no score$"))
def then_theme_absent(area: Area, name: str | None, theme: str) -> None:
    """Then its <theme> theme has no score: a theme with no assessed KLOE is absent, not zero."""
    body_id = area.body(name)
    got = theme_score(area, body_id, theme)
    check(got is None, area, f"expected the {theme} theme of {body_id} to be absent; it scores {got}")


@then(parsers.re(r"(?:its )?theme scores are:$"))
def then_theme_table(area: Area, datatable: list[list[str]]) -> None:
    """Then its theme scores are: a table with columns theme and score ('none' for a theme with no score)."""
    body_id = area.body()
    for row in table_rows(datatable, ("theme", "score")):
        got = theme_score(area, body_id, row["theme"])
        want = None if row["score"] in ("none", "absent", "") else int(row["score"])
        check(got == want, area, f"expected the {row['theme']} theme to score {row['score']}; it scores {got}")


KLOE_WORDS = r"(?:KLOE (?P<code>\S+)|the (?P<nth>[a-z]+) KLOE of its (?P<theme>[a-z ]+?) theme)"


def kloe_code(area: Area, code: str | None, nth: str | None, theme: str | None) -> str:
    """A KLOE's code as written ('1.2'), or read from the rules under test: 'the second KLOE of its first theme'."""
    if code:
        return code
    assert nth is not None and theme is not None
    codes = theme_kloes(area, theme)
    if nth not in ORDINALS or ORDINALS.index(nth) >= len(codes):
        raise ValueError(f"the {theme} theme has {len(codes)} KLOEs ({', '.join(codes)}); there is no {nth} KLOE")
    return codes[ORDINALS.index(nth)]


@then(parsers.re(KLOE_WORDS + r" is to be reassessed next year$"))
def then_reassess(area: Area, code: str | None, nth: str | None, theme: str | None) -> None:
    """Then KLOE <code> is to be reassessed next year: the result carries a 'reassess next year' note on it.

    Also 'the <first|second|...> KLOE of its <theme> theme', read from the rules under test."""
    code = kloe_code(area, code, nth, theme)
    body_id = area.body()
    subjects = [note.subject for note in area.notes("reassess_next_year") if note.body == body_id]
    check(any(s.endswith(f"/kloe/{code}") for s in subjects), area, f"expected KLOE {code} to be reassessed next year")


@then(parsers.re(r"each KLOE of its (?P<theme>[a-z ]+?) theme is to be reassessed next year$"))
def then_reassess_theme(area: Area, theme: str) -> None:
    """Then each KLOE of its <theme> theme is to be reassessed next year: a 'reassess next year' note on every
    KLOE of the theme (by name, or 'first' ... 'last', 'largest', read from the rules under test)."""
    body_id = area.body()
    subjects = [note.subject for note in area.notes("reassess_next_year") if note.body == body_id]
    missing = [code for code in theme_kloes(area, theme) if not any(s.endswith(f"/kloe/{code}") for s in subjects)]
    check(not missing, area, f"expected every KLOE of the {theme} theme to be reassessed; not: {', '.join(missing)}")


@then(parsers.re(r"(?:no KLOE is|" + KLOE_WORDS + r" is not) to be reassessed next year$"))
def then_no_reassess(area: Area, code: str | None, nth: str | None, theme: str | None) -> None:
    """Then no KLOE is|KLOE <code> is not to be reassessed next year: the result carries no 'reassess next year'
    note on the body's KLOEs, or on that one."""
    code = kloe_code(area, code, nth, theme) if code or nth else None
    body_id = area.body()
    subjects = [note.subject for note in area.notes("reassess_next_year") if note.body == body_id]
    unwanted = [s for s in subjects if code is None or s.endswith(f"/kloe/{code}")]
    check(not unwanted, area, f"expected no reassessment, but the result says so for {', '.join(unwanted)}")
