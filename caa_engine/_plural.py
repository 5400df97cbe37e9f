"""A count and its noun, as people write them: '1 red flag', '3 red flags', 'no area'.

Every message, report and reason that puts a number before a noun goes through here, so none says '1 areas'.
:func:`counted` is for text the engine writes; :func:`agree` mends the words of a rule's own description once its
placeholders are filled in (``{count(flag where colour == "red")} red flags`` with a count of 1), where the noun
is the rule writer's and the number is only known at the end.
"""

from __future__ import annotations

import re

__all__ = ["counted", "noun", "plural_of", "agree"]

# Nouns whose plural is not the regular one, and nouns the rules count that a rule writer may put after a count.
_IRREGULAR = {"criterion": "criteria", "body": "bodies", "authority": "authorities", "analysis": "analyses"}


def plural_of(singular: str) -> str:
    """The plural of a noun or noun phrase: 'theme' -> 'themes', 'authority' -> 'authorities', 'kind of body' ->
    'kinds of body', 'KLOE' -> 'KLOEs', 'same-priority pair' -> 'same-priority pairs'."""
    head, of, rest = singular.partition(" of ")
    before, _, last = head.rpartition(" ")
    lead = f"{before} " if before else ""
    if last.lower() in _IRREGULAR:
        last = _IRREGULAR[last.lower()]
    elif last.endswith("y") and last[-2:-1].lower() not in ("a", "e", "i", "o", "u", ""):
        last = last[:-1] + "ies"
    elif last.endswith(("s", "x", "z", "ch", "sh")):
        last += "es"
    else:
        last += "s"
    return f"{lead}{last}{of}{rest}"


def noun(number: int, singular: str, plural: str | None = None) -> str:
    """The noun for ``number`` of it: the singular for exactly 1 (and -1), the plural otherwise (0 included)."""
    return singular if abs(number) == 1 else (plural or plural_of(singular))


def counted(number: int, singular: str, plural: str | None = None, *, zero: str | None = None) -> str:
    """'1 rule', '2 rules', '0 rules' (or ``zero`` and the singular, e.g. 'no rule', when given)."""
    if number == 0 and zero is not None:
        return f"{zero} {singular}"
    return f"{number} {noun(number, singular, plural)}"


# The nouns the shipped rules write after a count, and any a rule file may use of the engine's own vocabulary: only
# these are mended, so a description's other words are never touched.
_COUNTED_NOUNS = (
    "area",
    "body",
    "council",
    "criterion",
    "element",
    "failure",
    "fact",
    "flag",
    "indicator",
    "innovation",
    "judgement",
    "KLOE",
    "milestone",
    "outcome",
    "period",
    "risk",
    "success",
    "target",
    "theme",
    "value",
)
_SINGULAR = {plural_of(word): word for word in _COUNTED_NOUNS}
# Words that may stand between a count and its noun ('1 red flags', '1 green flags'), never a word that makes
# the count something else's ('1 of its themes', '1 for this band').
_NOT_ADJECTIVES = frozenset(
    "a an and at by for from in into is it its of on or than that the their them these this those to was were with".split()
)
# The verbs a description puts after a counted noun, and their singular: once the noun is made singular its verb
# must follow ('Its 1 assessed themes meet' -> 'Its 1 assessed theme meets', not '... theme meet').
_VERB_SINGULAR = {
    "are": "is",
    "were": "was",
    "have": "has",
    "meet": "meets",
    "score": "scores",
    "need": "needs",
    "fail": "fails",
    "pass": "passes",
    "improve": "improves",
    "decline": "declines",
}
_ONE_BEFORE_PLURAL = re.compile(
    r"(?<![\w.,%])(?P<one>1|one) (?P<adjective>[A-Za-z-]+ )?(?P<noun>"
    + "|".join(sorted(_SINGULAR, key=len, reverse=True))
    + r")\b(?P<verb> (?:"
    + "|".join(_VERB_SINGULAR)
    + r")\b)?"
)


def agree(text: str) -> str:
    """``text`` with a plural noun after a count of one made singular: '1 red flags' -> '1 red flag', 'needs 1
    green flags' -> 'needs 1 green flag', and a verb after the noun with it ('its 1 assessed themes meet' -> 'its 1
    assessed theme meets'); '1 of its themes', '3 of 7' and '1.5 themes' are left alone.  A count
    of nothing, said 'none', reads 'no' before its noun: 'none green flags' -> 'no green flags'."""

    def mend(match: re.Match[str]) -> str:
        adjective = match.group("adjective") or ""
        if adjective.strip().lower() in _NOT_ADJECTIVES:
            return match.group(0)
        verb = match.group("verb")
        verb = f" {_VERB_SINGULAR[verb.strip()]}" if verb else ""
        return f"{match.group('one')} {adjective}{_SINGULAR[match.group('noun')]}{verb}"

    return _NONE_BEFORE_PLURAL.sub(_no, _ONE_BEFORE_PLURAL.sub(mend, text))


# A count of nothing reads 'none' in a reason ('it has none'); before a noun it is 'no' ('no green flags').
_NONE_BEFORE_PLURAL = re.compile(
    r"\b(?P<none>[Nn])one (?P<adjective>[A-Za-z-]+ )?(?P<noun>"
    + "|".join(sorted(_SINGULAR, key=len, reverse=True))
    + r")\b"
)


def _no(match: re.Match[str]) -> str:
    adjective = match.group("adjective") or ""
    if adjective.strip().lower() in _NOT_ADJECTIVES:
        return match.group(0)
    return f"{match.group('none')}o {adjective}{match.group('noun')}"
