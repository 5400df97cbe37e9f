"""The ledger (issue 15 items 2, 3 and 5): append-only, hash-chained, safe against crashes and concurrent writers.

Every fixture is recorded, then history, compare and verify work; one byte edited in a stored result, a record
removed or two swapped make verify fail and name the record; a writer killed mid-transaction leaves the ledger
intact; writers in several processes at once lose nothing.
"""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from caa_engine.cli import cli
from caa_engine.ledger import Ledger, LedgerEntry, LedgerError

ROOT = Path(__file__).resolve().parent.parent
FIXTURES = ROOT / "fixtures"
CPA_2007 = """\
area: {id: cheltenham, name: Cheltenham}
period: 2007/08
bodies:
  - {id: cheltenham-bc, name: Cheltenham Borough Council, kind: district, lead: true}
use_of_resources:
  assessments:
    - body: cheltenham-bc
      kloes: {"1.1": 3, "1.2": 3, "2.1": 3, "2.2": 3, "3.1": 2, "4.1": 2, "4.2": 2, "5.1": 2, "5.2": 3}
"""


def entry(area: str = "x", text: str = "{}") -> LedgerEntry:
    return LedgerEntry(area, "2008/09", text, "r" * 64, "e" * 64, "x.yaml", "0.1.0", "native")


def _caa(*args: str) -> tuple[int, str, str]:
    run = CliRunner().invoke(cli, list(args))
    return run.exit_code, run.stdout, run.stderr


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every fixture, and Cheltenham's 2007/08 use of resources, recorded in one ledger by one run."""
    folder = tmp_path_factory.mktemp("ledger")
    (folder / "cheltenham-2007-08.yaml").write_text(CPA_2007, encoding="utf-8")
    ledger = folder / "caa.sqlite"
    code, _, err = _caa(
        "assess", str(FIXTURES), str(folder / "cheltenham-2007-08.yaml"), "--rules", str(ROOT / "rules"),
        "--record", "--ledger", str(ledger), "--jobs", "2", "--backend", "native", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    assert f"caa: 9 results recorded in {ledger} (records 1-9)" in err
    return ledger


def _copy(ledger: Path, tmp_path: Path) -> Path:
    target = tmp_path / "copy.sqlite"
    source = sqlite3.connect(ledger)
    with sqlite3.connect(target) as copy:
        source.backup(copy)
    source.close()
    return target


def test_every_fixture_is_recorded_with_its_period_hashes_and_who_and_when(recorded: Path) -> None:
    with Ledger.open(recorded) as ledger:
        records = ledger.records()
        mode = ledger._db.execute("PRAGMA journal_mode").fetchone()[0]
    assert mode == "wal"
    assert [r.id for r in records] == list(range(1, 10))
    assert {r.period for r in records} == {"2007/08", "2008/09"}
    chelt = [r for r in records if r.area == "cheltenham"]
    assert [r.period for r in chelt] == ["2008/09", "2007/08"]
    assert all(r.recorded_at.endswith("Z") and r.recorded_by and r.backend == "native" for r in records)
    assert records[0].prev_hash == "0" * 64 and all(
        b.prev_hash == a.hash for a, b in zip(records, records[1:], strict=False)
    )
    first = json.loads(records[0].result_json)
    assert (first["area"]["id"], first["rules_sha256"]) == ("ashcombe", records[0].rules_sha256)
    assert first["evidence"]["sha256"] == records[0].evidence_sha256 and first["audit"]  # the full trail


def test_verify_passes_on_an_untouched_ledger(recorded: Path) -> None:
    code, out, _ = _caa("ledger", "verify", "--ledger", str(recorded))
    assert code == 0 and out.startswith(f"{recorded}: OK, 9 records, head ")


def test_history_lists_an_area_period_by_period(recorded: Path) -> None:
    code, out, err = _caa("history", "cheltenham", "--ledger", str(recorded))
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"cheltenham: 2 records in {recorded}"
    assert lines.index("period 2007/08") < lines.index("period 2008/09")
    assert "use_of_resources 2" in out and "overall 3 performing well" in out
    code, _, err = _caa("history", "nowhere", "--ledger", str(recorded))
    assert code == 2 and "holds no record for area 'nowhere'" in err


def test_compare_shows_what_moved_between_two_periods_and_that_rules_and_evidence_both_changed(recorded: Path) -> None:
    code, out, err = _caa(
        "compare", "cheltenham", "--period", "2007/08", "--period", "2008/09", "--ledger", str(recorded)
    )
    assert code == 0, err
    assert "rules: changed" in out and "evidence: changed" in out
    assert "what changed: the rules and the evidence" in out
    assert "score    use_of_resources / Cheltenham Borough Council (cheltenham-bc): 2 adequate (uor_adequate) -> " \
        "3 performing well (uor_performing_well)" in out  # fmt: skip
    assert "score    overall / (area): not judged -> 3 performing well (overall_performing_well)" in out


def test_a_correction_supersedes_a_record_says_why_and_compare_by_record_sees_only_the_evidence_change(
    recorded: Path, tmp_path: Path
) -> None:
    ledger = _copy(recorded, tmp_path)
    changed = tmp_path / "cheltenham-2007-08.yaml"
    changed.write_text(CPA_2007.replace('"3.1": 2', '"3.1": 3'), encoding="utf-8")
    code, _, err = _caa(
        "assess", str(changed), "--rules", str(ROOT / "rules"), "--record", "--ledger", str(ledger),
        "--supersedes", "9", "--reason", "KLOE 3.1 mistyped", "--backend", "native",
    )  # fmt: skip
    assert code == 0, err
    code, out, _ = _caa("history", "cheltenham", "--ledger", str(ledger))
    assert "corrects record 9: KLOE 3.1 mistyped" in out and "superseded by record 10" in out
    code, out, _ = _caa("compare", "--record", "9", "--record", "10", "--ledger", str(ledger))
    assert code == 0 and "rules: unchanged" in out and "what changed: the evidence" in out
    code, out, _ = _caa("compare", "cheltenham", "--period", "2007/08", "--period", "2008/09", "--ledger", str(ledger))
    assert "record 10 (2007/08" in out  # the correction is the record in force for 2007/08
    code, _, err = _caa(
        "assess", str(changed), "--record", "--ledger", str(ledger), "--supersedes", "9", "--reason", "again",
    )  # fmt: skip
    assert code == 2 and "record 9 is already superseded by record 10: supersede that one" in err
    assert _caa("ledger", "verify", "--ledger", str(ledger))[0] == 0


def test_the_ledger_refuses_updates_and_deletes(recorded: Path, tmp_path: Path) -> None:
    db = sqlite3.connect(_copy(recorded, tmp_path))
    for statement in ("UPDATE record SET area = 'x' WHERE id = 1", "DELETE FROM record WHERE id = 9"):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute(statement)


def _tamper(ledger: Path, *statements: str) -> None:
    db = sqlite3.connect(ledger)
    db.execute("DROP TRIGGER record_append_only_update")
    db.execute("DROP TRIGGER record_append_only_delete")
    for statement in statements:
        db.execute(statement)
    db.commit()
    db.close()


@pytest.mark.parametrize(
    ("statements", "named"),
    [
        pytest.param(  # one byte of a stored result: 'performing' -> 'perfOrming'
            (
                "UPDATE record SET result_json = substr(result_json, 1, 400) || 'O' || substr(result_json, 402) "
                "WHERE id = 4",
            ),
            ["record 4: its content does not match its hash: it was edited"],
            id="one-byte-edited",
        ),  # fmt: skip
        pytest.param(
            ("DELETE FROM record WHERE id = 5",),
            ["record 6: record 5 is missing before it: removed", "record 6: it does not follow the record before it"],
            id="deleted",
        ),
        pytest.param(
            (
                "UPDATE record SET id = 100 WHERE id = 2",
                "UPDATE record SET id = 2 WHERE id = 3",
                "UPDATE record SET id = 3 WHERE id = 100",
            ),
            ["record 2: its content does not match its hash", "record 3: its content does not match its hash"],
            id="reordered",
        ),
    ],
)
def test_verify_names_a_record_edited_deleted_or_reordered(
    recorded: Path, tmp_path: Path, statements: tuple[str, ...], named: list[str]
) -> None:
    ledger = _copy(recorded, tmp_path)
    _tamper(ledger, *statements)
    code, _, err = _caa("ledger", "verify", "--ledger", str(ledger))
    assert code == 2
    for text in named:
        assert text in err
    assert "FAILED verification" in err


def test_verify_with_a_published_head_finds_records_removed_from_the_end(recorded: Path, tmp_path: Path) -> None:
    ledger = _copy(recorded, tmp_path)
    head = _caa("ledger", "verify", "--ledger", str(ledger))[1].split("head ")[1].strip()
    _tamper(ledger, "DELETE FROM record WHERE id = 9")
    assert _caa("ledger", "verify", "--ledger", str(ledger))[0] == 0  # a chain cut at its end is still a chain
    code, _, err = _caa("ledger", "verify", "--ledger", str(ledger), "--head", head)
    assert code == 2 and "records were removed from its end" in err


def test_a_postgresql_dsn_is_refused_honestly() -> None:
    with pytest.raises(LedgerError, match="PostgreSQL ledgers are not implemented"):
        Ledger.open("postgresql://caa@db/ledger")


def test_the_ledger_defaults_to_the_working_folder_and_follows_caa_ledger(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.delenv("CAA_LEDGER", raising=False)
    with Ledger.open() as ledger:
        ledger.append(entry())
    assert (tmp_path / "caa-ledger.sqlite").is_file()
    monkeypatch.setenv("CAA_LEDGER", str(tmp_path / "elsewhere.sqlite"))
    code, _, err = _caa("ledger", "verify")
    assert code == 2 and "no ledger" in err and "elsewhere.sqlite" in err  # verify never creates one
    with Ledger.open() as ledger:
        assert ledger.path == tmp_path / "elsewhere.sqlite"


def _python(code: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args], stdout=subprocess.PIPE, text=True, env=env
    )


def test_a_writer_killed_mid_transaction_leaves_the_ledger_intact_and_verifiable(tmp_path: Path) -> None:
    path = tmp_path / "crash.sqlite"
    with Ledger.open(path) as ledger:
        for number in range(3):
            ledger.append(entry(text=f'{{"n": {number}}}'))
    writer = _python(
        """
        import sys, time
        from caa_engine.ledger.store import Ledger, LedgerEntry
        ledger = Ledger.open(sys.argv[1])
        with ledger.writing() as writer:
            for n in range(50):
                writer.append(LedgerEntry("x", "2008/09", "{}" + "x" * 100_000, "r", "e", "f", "v", "b"))
            print("in the transaction", flush=True)
            time.sleep(60)
        """,
        str(path),
    )
    assert writer.stdout is not None and writer.stdout.readline().strip() == "in the transaction"
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=10)
    with Ledger.open(path) as ledger:
        problems, count, _ = ledger.verify()
        assert (problems, count) == ([], 3)
        assert ledger.append(entry()).id == 4  # and it takes the next record as if nothing happened
        assert ledger.verify()[:2] == ([], 4)


def test_several_processes_recording_at_once_lose_nothing(tmp_path: Path) -> None:
    path = tmp_path / "busy.sqlite"
    writers = [
        _python(
            """
            import sys
            from caa_engine.ledger.store import Ledger, LedgerEntry
            ledger = Ledger.open(sys.argv[1])
            for n in range(15):
                ledger.append(LedgerEntry(f"area-{sys.argv[2]}", "2008/09", str(n), "r", "e", "f", "v", "b"))
            """,
            str(path),
            str(number),
        )
        for number in range(3)
    ]
    assert [writer.wait(timeout=60) for writer in writers] == [0, 0, 0]
    with Ledger.open(path) as ledger:
        problems, count, _ = ledger.verify()
        assert (problems, count) == ([], 45)
        for number in range(3):
            assert [r.result_json for r in ledger.records(f"area-{number}")] == [str(n) for n in range(15)]


def test_caa_ledger_in_the_environment_does_not_stop_an_assessment_that_records_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAA_LEDGER", str(tmp_path / "l.sqlite"))
    code, _, err = _caa("assess", str(FIXTURES / "cheltenham.yaml"), "--backend", "native", "--format", "json")
    assert code == 0, err
    assert not (tmp_path / "l.sqlite").exists()
    code, _, err = _caa("assess", str(FIXTURES / "cheltenham.yaml"), "--backend", "native", "--record")
    assert code == 0 and f"recorded in {tmp_path / 'l.sqlite'} (record 1)" in err


def test_verify_writes_nothing_not_even_the_triggers_a_tamperer_dropped(recorded: Path, tmp_path: Path) -> None:
    ledger = _copy(recorded, tmp_path)
    _tamper(ledger)
    before = ledger.read_bytes()
    assert _caa("ledger", "verify", "--ledger", str(ledger))[0] == 0
    assert _caa("history", "cheltenham", "--ledger", str(ledger))[0] == 0
    assert ledger.read_bytes() == before
    db = sqlite3.connect(ledger)
    assert db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").fetchone() == (0,)
