"""Earlier values from the ledger (issue 15 item 4): an assessment reads an indicator's earlier values from the
results the ledger recorded for the same area in earlier periods, merged with the bundle's own ``history``.

The bundle wins where both give a period, and a value it gives otherwise than the ledger is refused, located;
an indicator with no ``previous`` takes the ledger's value for the period before; the trail names the ledger
record each value came from; the same ledger, rules and evidence give the same bytes, on both backends and both
stores, whatever is recorded after the run began.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from caa_engine import Engine, EvidenceError
from caa_engine.backends.durable import durable_available
from caa_engine.cli import cli
from caa_engine.evidence.loader import bundle_facts, bundle_from_dict
from caa_engine.ledger import Ledger
from caa_engine.ledger.earlier import LedgerHistory, earlier_values_of, record_source
from caa_engine.ledger.store import entry_of

ROOT = Path(__file__).resolve().parent.parent
RULES = ROOT / "rules"
CHELTENHAM = ROOT / "fixtures" / "cheltenham.yaml"  # 2008/09: NI 192 38, NI 191 520, NI 157 82 ...
NEXT_YEAR = """\
area: {id: cheltenham, name: Cheltenham}
period: 2009/10
bodies:
  - {id: cheltenham-bc, name: Cheltenham Borough Council, kind: district, lead: true}
indicator_set:
  indicators:
    - {code: NI 192, body: cheltenham-bc, value: 41, target: 40}
    - {code: NI 191, body: cheltenham-bc, value: 530, target: 540, previous: 520}
    - {code: NI 157, body: cheltenham-bc, value: 80, target: 80, history: {2008/09: 82, 2007/08: 79}}
"""


def _caa(*args: str) -> tuple[int, str, str]:
    run = CliRunner().invoke(cli, list(args))
    return run.exit_code, run.stdout, run.stderr


@pytest.fixture(scope="module")
def ledger_2008(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Cheltenham's 2008/09 result recorded, as record 1."""
    path = tmp_path_factory.mktemp("history") / "caa.sqlite"
    code, _, err = _caa("assess", str(CHELTENHAM), "--rules", str(RULES), "--record", "--ledger", str(path))
    assert code == 0, err
    return path


def _next_year(tmp_path: Path, text: str = NEXT_YEAR) -> Path:
    path = tmp_path / "cheltenham-2009-10.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _inputs(result: Any, rule: str, subject: str) -> dict[str, tuple[Any, str]]:
    (event,) = [e for e in result.audit if e.id == rule and e.subject == subject and e.status == "applied"]
    return {given.name: (given.value, given.source) for given in event.inputs}


def test_an_indicator_with_no_previous_takes_the_ledgers_value_and_the_trail_names_the_record(
    ledger_2008: Path, tmp_path: Path, backend: str
) -> None:
    with Ledger.open(ledger_2008, create=False) as ledger:
        (record,) = ledger.records()
    source = f"ledger record 1 (hash {record.hash[:12]})"
    result = Engine(RULES, backend).assess(_next_year(tmp_path), history_from=ledger_2008)
    trend = result.findings["indicator"]["cheltenham-bc/indicator/NI 192"]["trend"]
    assert (trend.value, trend.by) == ("improved", "ni_trend_improved")
    assert _inputs(result, "ni_trend_improved", "cheltenham-bc/indicator/NI 192")["indicator.previous"] == (38, source)
    assert f"indicator.previous = 38 ({source})" in trend.evidence
    # The bundle's own previous (equal to the ledger's) keeps its line.
    inputs = _inputs(result, "ni_trend_declined", "cheltenham-bc/indicator/NI 191")
    assert inputs["indicator.previous"] == (520, f"{_next_year(tmp_path)}:8")
    without = Engine(RULES, backend).assess(_next_year(tmp_path))
    assert "trend" not in without.findings["indicator"]["cheltenham-bc/indicator/NI 192"]


def test_the_same_ledger_rules_and_evidence_give_the_same_bytes_on_both_backends_and_with_several_jobs(
    ledger_2008: Path, tmp_path: Path
) -> None:
    bundle = _next_year(tmp_path)
    outputs = {
        (backend, jobs): _caa(
            "assess",
            str(bundle),
            str(bundle),
            "--rules",
            str(RULES),
            "--history-from-ledger",
            "--ledger",
            str(ledger_2008),
            "--format",
            "json",
            "--backend",
            backend,
            "--jobs",
            jobs,
        )  # fmt: skip
        for backend in (("durable", "native") if durable_available() else ("native",))
        for jobs in ("1", "2")
    }
    assert {code for code, _, _ in outputs.values()} == {0}
    assert len({out for _, out, _ in outputs.values()}) == 1
    assert '"source": "ledger record 1 (hash ' in outputs["native", "1"][1]


def test_a_clash_with_the_ledger_in_history_or_previous_is_refused_where_the_bundle_gives_it(
    ledger_2008: Path, tmp_path: Path
) -> None:
    with Ledger.open(ledger_2008, create=False) as ledger:
        source = record_source(ledger.records()[0])
    bundle = _next_year(
        tmp_path, NEXT_YEAR.replace("previous: 520", "previous: 521").replace("2008/09: 82", "2008/09: 81")
    )
    code, _, err = _caa(
        "assess",
        str(bundle),
        "--rules",
        str(RULES),
        "--history-from-ledger",
        "--ledger",
        str(ledger_2008),
        "--no-context",
        "--backend",
        "native",
    )
    hint = (
        "    hint: correct the bundle, or, if the published value was wrong, record a correction of that record "
        "(caa assess … --record --supersedes N --reason …); or assess without --history-from-ledger"
    )
    lines = bundle.read_text(encoding="utf-8").splitlines()
    previous, history = lines[7].index("521") + 1, lines[8].index("81") + 1
    assert code == 2
    assert err.splitlines()[:5] == [
        "2 evidence errors occurred:",
        f"{bundle}:8:{previous}: history-clash: indicator NI 191's previous is 521, but {source}, the result published "
        "for 2008/09, was judged on 520",
        hint,
        f"{bundle}:9:{history}: history-clash: indicator NI 157's history gives 81 for 2008/09, but {source}, the result "
        "published for 2008/09, was judged on 82",
        hint,
    ]
    # Without the ledger, the same bundle is judged.
    assert _caa("assess", str(bundle), "--rules", str(RULES))[0] == 0


def test_a_bundle_naming_no_period_cannot_read_earlier_values(ledger_2008: Path, tmp_path: Path) -> None:
    """Undated rules judge a bundle for no period of their own: the bundle must name one (dated rules would
    give it theirs)."""
    bundle = _next_year(tmp_path, NEXT_YEAR.replace("period: 2009/10\n", ""))
    folder = tmp_path / "undated"
    folder.mkdir()
    _undated_indicator_rules(folder)
    with pytest.raises(EvidenceError) as caught:
        Engine(folder, "native").assess(bundle, history_from=ledger_2008)
    assert [(issue.code, issue.message) for issue in caught.value.issues] == [
        ("no-period", "reading earlier values from the ledger needs the bundle's period, and it names none")
    ]


def test_no_ledger_is_an_error_and_ledger_goes_with_record_or_history(tmp_path: Path) -> None:
    bundle = _next_year(tmp_path)
    code, _, err = _caa("assess", str(bundle), "--history-from-ledger", "--ledger", str(tmp_path / "none.sqlite"))
    assert code == 2 and f"no ledger '{tmp_path / 'none.sqlite'}'" in err
    assert not (tmp_path / "none.sqlite").exists()
    code, _, err = _caa("assess", str(bundle), "--ledger", str(tmp_path / "none.sqlite"))
    assert code == 2 and "--ledger goes with --record or --history-from-ledger" in err


SUSTAINED = re.search(
    r"```yaml\n# rule file: sustained_improvement\n(.*?)```", (ROOT / "docs" / "rules.md").read_text("utf-8"), re.S
)


def _undated_indicator_rules(folder: Path) -> Path:
    """The shipped indicator set's rules for every period (they are dated from 2008/09), with the catalogue."""
    for name in ("indicators.yaml", "bodies.yaml"):
        shutil.copy(RULES / name, folder)
    text = (RULES / "indicator_set.yaml").read_text(encoding="utf-8")
    (folder / "indicator_set.yaml").write_text(re.sub(r"(?m)^periods:.*\n", "", text), encoding="utf-8")
    return folder


@pytest.fixture(scope="module")
def sustained_rules(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The time-series example of docs/rules.md and the indicator set's rules, undated: every period."""
    folder = _undated_indicator_rules(tmp_path_factory.mktemp("sustained"))
    assert SUSTAINED is not None
    (folder / "sustained.yaml").write_text(SUSTAINED.group(1), encoding="utf-8")
    return folder


def _bundle(period: str, value: int, previous: int | None = None, **more: Any) -> dict[str, Any]:
    # A target: the indicator set's target rules read each value, so each recorded result's trail holds it.
    indicator: dict[str, Any] = {"code": "NI 192", "body": "x-cc", "value": value, "target": 30, **more}
    if previous is not None:
        indicator["previous"] = previous
    return {
        "area": {"id": "x", "name": "X"},
        "period": period,
        "bodies": [{"id": "x-cc", "name": "X CC", "kind": "county", "lead": True}],
        "indicator_set": {"indicators": [indicator]},
    }


def _record(ledger: Ledger, engine: Engine, data: dict[str, Any], **correction: Any) -> str:
    result = engine.assess(data)
    return record_source(ledger.append(entry_of(result, data["period"]), **correction))


@pytest.mark.parametrize("store", ["sqlite", "postgresql"])
def test_a_rule_over_earlier_periods_counts_values_from_the_ledger_each_naming_its_record(
    sustained_rules: Path, store: str, tmp_path: Path, request: pytest.FixtureRequest
) -> None:
    engine = Engine(sustained_rules, "native")
    target = str(tmp_path / "caa.sqlite") if store == "sqlite" else request.getfixturevalue("postgres").new_ledger()
    with Ledger.open(target) as ledger:
        first = _record(ledger, engine, _bundle("2005/06", 35))
        _record(ledger, engine, _bundle("2006/07", 39, 35))  # mistyped: corrected below
        second = _record(ledger, engine, _bundle("2006/07", 40, 35), supersedes=2, reason="NI 192 was 40")
        third = _record(ledger, engine, _bundle("2007/08", 44, 40))
        with LedgerHistory(ledger) as history:
            upto = history.upto
            _record(ledger, engine, _bundle("2007/08", 10, 4), supersedes=4, reason="after the run began")
            result = engine.assess(_bundle("2008/09", 47), history_from=history)
    found = result.findings.get("indicator", {})
    assert found["x-cc/indicator/NI 192"]["sustained"].value == "improving_steadily"
    (event,) = [e for e in result.audit if e.id == "improving_steadily"]
    previous = {given.name: given.source for given in event.inputs}
    assert previous["indicator.previous"] == third  # the period before's value, from its record
    with LedgerHistory(target, upto) as history:
        earlier = history.values("x", "2008/09")
    facts = bundle_facts(bundle_from_dict(_bundle("2008/09", 47)), engine.plan.tables, None, earlier, "2008/09")
    history_sources = {
        fact.fields["period"]: (fact.fields["value"], fact.origin["value"], fact.fields["previous"])
        for fact in facts
        if fact.type == "indicator_history"
    }
    assert history_sources == {
        "2005/06": (35, first, None),
        "2006/07": (40, second, 35),  # the correction, not the record it superseded
        "2007/08": (44, third, 40),  # not the correction recorded after the history was opened
    }
    (indicator,) = [fact for fact in facts if fact.type == "indicator"]
    assert (indicator.fields["previous"], indicator.origin["previous"]) == (44, third)


def test_earlier_values_are_what_the_recorded_result_read_and_none_from_a_record_with_no_period() -> None:
    result = Engine(RULES, "native").assess(CHELTENHAM)
    with_period = entry_of(result, "2008/09")
    from caa_engine.ledger.store import Record

    record = Record(1, **{**with_period.__dict__}, recorded_by="u", recorded_at="t", supersedes=None, reason=None,
                    prev_hash="0" * 64, hash="a" * 64)  # fmt: skip
    values = {(v.code, v.period, v.value, v.source) for v in earlier_values_of(record)}
    assert ("NI 192", "2008/09", 38, "ledger record 1 (hash aaaaaaaaaaaa)") in values
    assert ("NI 185", "2008/09", 4, "ledger record 1 (hash aaaaaaaaaaaa)") in values  # 4.0 in the bundle
    assert earlier_values_of(Record(**{**record.__dict__, "period": None})) == []


def test_the_ledger_docs_session_gives_the_trail_line_and_the_clash_it_shows(tmp_path: Path) -> None:
    """docs/ledger.md, "Earlier values from the ledger": the session's lines, but for the record's hash."""
    doc = (ROOT / "docs" / "ledger.md").read_text(encoding="utf-8")
    section = doc[doc.index("## Earlier values from the ledger") :]
    bundle_text = re.search(r"```yaml\n# evidence bundle: cheltenham_2009_10\n(.*?)```", section, re.S)
    session = re.search(r"```sh\n(\$ caa assess fixtures/cheltenham.yaml.*?)```", section, re.S)
    clash = re.search(r"```text\n(.*?)```", section, re.S)
    assert bundle_text and session and clash
    bundle = tmp_path / "cheltenham-2009-10.yaml"
    bundle.write_text(bundle_text.group(1), encoding="utf-8")
    ledger = str(tmp_path / "caa-ledger.sqlite")
    code, _, err = _caa("assess", str(CHELTENHAM), "--record", "--ledger", ledger)
    assert code == 0 and err.endswith("(record 1)\n")
    with Ledger.open(ledger, create=False) as opened:
        shown = f"hash {opened.records()[0].hash[:12]}"
    lines = [re.sub(r"hash [0-9a-f]{12}", shown, line) for line in session.group(1).splitlines()]
    code, out, _ = _caa("assess", str(bundle), "--history-from-ledger", "--ledger", ledger, "--format", "json")
    trail = out.splitlines()
    assert lines[1] == "caa: 1 result recorded in caa-ledger.sqlite (record 1)"
    at = trail.index(lines[5])
    assert trail[at - 2 : at + 2] == lines[3:7]
    code, out, _ = _caa("assess", str(bundle), "--history-from-ledger", "--ledger", ledger)
    assert lines[8] in out.splitlines()
    bundle.write_text(bundle_text.group(1).replace("previous: 520", "previous: 521"), encoding="utf-8")
    # The native backend, so that on Python 3.13+ no note on durable-rules comes before the error.
    code, _, err = _caa("assess", str(bundle), "--history-from-ledger", "--ledger", ledger, "--backend", "native")
    expected = re.sub(r"hash [0-9a-f]{12}", shown, clash.group(1)).replace("cheltenham-2009-10.yaml", str(bundle))
    assert code == 2 and err.startswith("1 evidence error occurred:\n" + expected)


def test_regression_caa_explain_reads_earlier_values_from_the_ledger_as_assess_does(
    ledger_2008: Path, tmp_path: Path
) -> None:
    # caa explain had no --history-from-ledger: a result judged with the ledger's earlier values could not be
    # explained ("nothing called 'trend' was found" for an indicator whose trend the published result had).
    with Ledger.open(ledger_2008, create=False) as ledger:
        (record,) = ledger.records()
    bundle = str(_next_year(tmp_path))
    args = ["explain", bundle, "--rules", str(RULES), "--subject", "NI 192", "--finding", "trend", "--evidence"]
    code, _, err = _caa(*args)
    assert code == 2 and "nothing called 'trend' was found" in err
    code, out, err = _caa(*args, "--history-from-ledger", "--ledger", str(ledger_2008))
    assert code == 0, err
    assert out.startswith("NI 192 Household waste reused, recycled and composted: trend improved.")
    assert f"  evidence: indicator.previous = 38 (ledger record 1 (hash {record.hash[:12]}))\n" in out
    code, _, err = _caa("explain", bundle, "--ledger", str(ledger_2008))
    assert code == 2 and "--ledger goes with --history-from-ledger" in err
