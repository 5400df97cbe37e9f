"""Bad input never crashes the engine, now for every element: each shipped rule file fuzzed in a full rules folder,
and a bundle with every section fuzzed, on both backends.

The same promise as ``test_fuzz_inputs.py`` (a result, or a RuleError / EvidenceError whose every issue is
located, never a traceback), for the constructs the other elements brought: classifications, per-fact measures,
references, caps, ``combines``, dates and the indicator catalogue.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis_profiles import examples
from test_fuzz_inputs import SETTINGS, TRICKY, _assert_located_in_file, _tokens, mutated

from caa_engine import EvidenceError, Plan, Result, RuleError, assess, load_rules

ROOT = Path(__file__).resolve().parent.parent
RULE_FILES = sorted(path.name for path in (ROOT / "rules").glob("*.yaml"))
BUNDLE_FILE = ROOT / "fixtures" / "ashcombe.yaml"  # every section, an honourable failure and an unmanaged one
BUNDLE_TEXT = BUNDLE_FILE.read_text(encoding="utf-8")
BUNDLE: dict[str, Any] = yaml.safe_load(BUNDLE_TEXT)


def _folder_with(tmp_path: Path, name: str, text: str) -> tuple[Path, Path]:
    """The shipped rules in ``tmp_path/rules`` (copied once), with ``name`` holding ``text``."""
    folder = tmp_path / "rules"
    if not folder.exists():
        shutil.copytree(ROOT / "rules", folder)
    file = folder / name
    file.write_text(text, encoding="utf-8")
    return folder, file


@pytest.mark.parametrize("name", RULE_FILES)
def test_each_mutated_rule_file_loads_or_is_refused_with_every_issue_located(tmp_path: Path, name: str) -> None:
    text = (ROOT / "rules" / name).read_text(encoding="utf-8")

    # Loading six files reads about 2,000 lines of YAML each time: fewer examples a file in the suite
    # (CAA_FUZZ_EXAMPLES=800 for a long random search, as before each release).
    @settings(SETTINGS, max_examples=examples(20))
    @given(mutant=mutated(text, _tokens(text)))
    def check(mutant: str) -> None:
        folder, file = _folder_with(tmp_path, name, mutant)
        try:
            plan = load_rules(folder)
        except RuleError as error:
            # A mistake in one file may be told where another file depends on it (a 'combines:' naming an
            # element whose file lost its 'element:'): located in the folder, at a real line.
            assert error.issues, "an input error without issues"
            for issue in error.issues:
                where = Path(issue.location.file)
                assert where.parent == folder and where.suffix == ".yaml", issue.render()
                lines = where.read_text(encoding="utf-8").count("\n") + 2
                assert 1 <= issue.location.line <= lines and issue.code and issue.message, issue.render()
            if all(Path(issue.location.file) != file for issue in error.issues):
                pytest.fail(f"the mistake in {name} is told only in other files:\n{error.render()}")
            return
        assert isinstance(plan, Plan)
        try:  # rules that load must also run
            assert isinstance(assess(BUNDLE, rules=plan, backend="native"), Result)
        except EvidenceError as error:  # e.g. a catalogue row deleted: an indicator of the bundle is unknown
            assert all(issue.location.path for issue in error.issues), error.render()

    check()


@SETTINGS
@given(text=mutated(BUNDLE_TEXT, _tokens(BUNDLE_TEXT)))
def test_a_mutated_bundle_with_every_section_is_assessed_or_refused_with_every_issue_located(
    tmp_path: Path, text: str
) -> None:
    file = tmp_path / "bundle.yaml"
    file.write_text(text, encoding="utf-8")
    try:
        results = [assess(file, rules=ROOT / "rules", backend=name) for name in ("native", "durable") if _has(name)]
    except EvidenceError as error:
        _assert_located_in_file(error, file, text)
        return
    assert len({result.to_json() for result in results}) == 1  # and the backends agree on whatever was valid


PATHS = [
    ("indicator_set", "indicators", 0, "value"),
    ("indicator_set", "indicators", 0, "benchmarks"),
    ("risk_assessment", "outcomes", 0, "started_on"),
    ("risk_assessment", "outcomes", 0, "risk"),
    ("risk_assessment", "risk_register", 0, "recorded_on"),
    ("risk_assessment", "risk_register", 0, "mitigations"),
    ("direction_of_travel", "milestones", 0, "delivered"),
    ("self_assessments", 0, "element"),
    ("self_assessments", 0, "score"),
]
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20) | TRICKY,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=6,
)


@SETTINGS
@given(path=st.sampled_from(PATHS), value=VALUES)
def test_any_value_anywhere_in_the_new_sections_of_a_dict_bundle_is_assessed_or_refused_located(
    path: tuple[Any, ...], value: Any
) -> None:
    import copy

    bundle = copy.deepcopy(BUNDLE)
    node: Any = bundle
    for part in path[:-1]:
        node = node[part]
    node[path[-1]] = value
    try:
        results = [assess(bundle, rules=ROOT / "rules", backend=name) for name in ("native", "durable") if _has(name)]
    except EvidenceError as error:
        assert all(issue.location.path for issue in error.issues), error.render()
        return
    assert len({result.to_json() for result in results}) == 1


def _has(backend: str) -> bool:
    from caa_engine.backends.durable import durable_available

    return backend == "native" or durable_available()
