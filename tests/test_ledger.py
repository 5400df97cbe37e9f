"""The ledger (issue 15 items 2, 3 and 5): append-only, hash-chained, safe against crashes and concurrent writers.

Every fixture is recorded, then history, compare and verify work; one byte edited in a stored result, a record
removed or two swapped make verify fail and name the record; a writer killed mid-transaction leaves the ledger
intact; writers in several processes at once lose nothing.  Each of these runs on both stores: a SQLite file
and a PostgreSQL database (a throwaway cluster, tests/postgres_cluster.py; each test its own schema).
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import uuid
from dataclasses import fields
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner

from caa_engine.cli import cli
from caa_engine.ledger import Ledger, LedgerEntry, LedgerError
from caa_engine.ledger.storage import shown_url

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


class Store:
    """One kind of store in the tests: a fresh ledger, a copy of one, and raw SQL on one."""

    def __init__(self, kind: str, folder: Path, cluster: Any = None):
        self.kind, self.folder, self.cluster = kind, folder, cluster

    def new(self, name: str = "caa.sqlite") -> str:
        """Where a new, empty ledger is: a file not yet made, or a URL naming an empty schema."""
        if self.kind == "sqlite":
            return str(self.folder / f"{uuid.uuid4().hex[:8]}-{name}")
        return str(self.cluster.new_ledger())

    def shown(self, target: str) -> str:
        """How messages name the ledger."""
        return target if self.kind == "sqlite" else shown_url(target)

    def copy(self, target: str) -> str:
        copy = self.new()
        if self.kind == "sqlite":
            source = sqlite3.connect(target)
            with sqlite3.connect(copy) as db:
                source.backup(db)
            source.close()
            return copy
        Ledger.open(copy).close()  # the tables and triggers, then the records as they are
        self.sql(copy, f"INSERT INTO record SELECT * FROM {_schema(target)}.record")
        return copy

    def sql(self, target: str, *statements: str, tamper: bool = False) -> None:
        """Run statements on the ledger as its owner; with ``tamper``, first as someone who can disable the
        append-only triggers (drop them from the file; on PostgreSQL, a superuser's ALTER TABLE)."""
        if self.kind == "sqlite":
            db = sqlite3.connect(target)
            try:
                if tamper:
                    db.execute("DROP TRIGGER record_append_only_update")
                    db.execute("DROP TRIGGER record_append_only_delete")
                for statement in statements:
                    db.execute(statement)
                db.commit()
            finally:
                db.close()
            return
        import psycopg

        with psycopg.connect(target, autocommit=True) as db:
            if tamper:
                db.execute("ALTER TABLE record DISABLE TRIGGER USER")
            for statement in statements:
                db.execute(statement)  # type: ignore[arg-type]


def _schema(url: str) -> str:
    return url.rsplit("search_path%3D", 1)[1]


STORES = ["sqlite", "postgresql"]


@pytest.fixture(params=STORES)
def store(request: pytest.FixtureRequest, tmp_path: Path) -> Store:
    """Each store in turn: tests using it run on SQLite and on PostgreSQL."""
    cluster = request.getfixturevalue("postgres") if request.param == "postgresql" else None
    return Store(request.param, tmp_path, cluster)


@pytest.fixture(scope="module", params=STORES)
def recorded_in(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> tuple[Store, str]:
    """Every fixture, and Cheltenham's 2007/08 use of resources, recorded in one ledger by one run, per store."""
    folder = tmp_path_factory.mktemp("ledger")
    cluster = request.getfixturevalue("postgres") if request.param == "postgresql" else None
    store = Store(request.param, folder, cluster)
    (folder / "cheltenham-2007-08.yaml").write_text(CPA_2007, encoding="utf-8")
    ledger = store.new()
    code, _, err = _caa(
        "assess", str(FIXTURES), str(folder / "cheltenham-2007-08.yaml"), "--rules", str(ROOT / "rules"),
        "--record", "--ledger", ledger, "--jobs", "2", "--backend", "native", "--format", "json",
    )  # fmt: skip
    assert code == 0, err
    assert f"caa: 9 results recorded in {store.shown(ledger)} (records 1-9)" in err
    return store, ledger


@pytest.fixture
def recorded(recorded_in: tuple[Store, str]) -> str:
    return recorded_in[1]


def test_every_fixture_is_recorded_with_its_period_hashes_and_who_and_when(recorded_in: tuple[Store, str]) -> None:
    store, recorded = recorded_in
    with Ledger.open(recorded) as ledger:
        records = ledger.records()
        if store.kind == "sqlite":
            assert ledger._store.one("PRAGMA journal_mode") == ("wal",)
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


def test_verify_passes_on_an_untouched_ledger(recorded_in: tuple[Store, str]) -> None:
    store, recorded = recorded_in
    code, out, _ = _caa("ledger", "verify", "--ledger", recorded)
    assert code == 0 and out.startswith(f"{store.shown(recorded)}: OK, 9 records, head ")


def test_history_lists_an_area_period_by_period(recorded_in: tuple[Store, str]) -> None:
    store, recorded = recorded_in
    code, out, err = _caa("history", "cheltenham", "--ledger", recorded)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == f"cheltenham: 2 records in {store.shown(recorded)}"
    assert lines.index("period 2007/08") < lines.index("period 2008/09")
    assert "use_of_resources 2" in out and "overall 3 performing well" in out
    code, _, err = _caa("history", "nowhere", "--ledger", recorded)
    assert code == 2 and "holds no record for area 'nowhere'" in err


def test_compare_shows_what_moved_between_two_periods_and_that_rules_and_evidence_both_changed(recorded: str) -> None:
    code, out, err = _caa("compare", "cheltenham", "--period", "2007/08", "--period", "2008/09", "--ledger", recorded)
    assert code == 0, err
    assert "rules: changed" in out and "evidence: changed" in out
    assert "what changed: the rules and the evidence" in out
    assert "score    use_of_resources / Cheltenham Borough Council (cheltenham-bc): 2 adequate (uor_adequate) -> " \
        "3 performing well (uor_performing_well)" in out  # fmt: skip
    assert "score    overall / (area): not judged -> 3 performing well (overall_performing_well)" in out


def test_a_correction_supersedes_a_record_says_why_and_compare_by_record_sees_only_the_evidence_change(
    recorded_in: tuple[Store, str], tmp_path: Path
) -> None:
    store, recorded = recorded_in
    ledger = store.copy(recorded)
    changed = tmp_path / "cheltenham-2007-08.yaml"
    changed.write_text(CPA_2007.replace('"3.1": 2', '"3.1": 3'), encoding="utf-8")
    code, _, err = _caa(
        "assess", str(changed), "--rules", str(ROOT / "rules"), "--record", "--ledger", ledger,
        "--supersedes", "9", "--reason", "KLOE 3.1 mistyped", "--backend", "native",
    )  # fmt: skip
    assert code == 0, err
    code, out, _ = _caa("history", "cheltenham", "--ledger", ledger)
    assert "corrects record 9: KLOE 3.1 mistyped" in out and "superseded by record 10" in out
    code, out, _ = _caa("compare", "--record", "9", "--record", "10", "--ledger", ledger)
    assert code == 0 and "rules: unchanged" in out and "what changed: the evidence" in out
    code, out, _ = _caa("compare", "cheltenham", "--period", "2007/08", "--period", "2008/09", "--ledger", ledger)
    assert "record 10 (2007/08" in out  # the correction is the record in force for 2007/08
    code, _, err = _caa(
        "assess", str(changed), "--record", "--ledger", ledger, "--supersedes", "9", "--reason", "again",
    )  # fmt: skip
    assert code == 2 and "record 9 is already superseded by record 10: supersede that one" in err
    assert _caa("ledger", "verify", "--ledger", ledger)[0] == 0


def test_the_ledger_refuses_updates_and_deletes(recorded_in: tuple[Store, str]) -> None:
    store, recorded = recorded_in
    ledger = store.copy(recorded)
    statements = ["UPDATE record SET area = 'x' WHERE id = 1", "DELETE FROM record WHERE id = 9", "DELETE FROM record"]
    if store.kind == "postgresql":
        statements.append("TRUNCATE record")  # SQLite has none
    for statement in statements:
        with pytest.raises(Exception, match="append-only"):
            store.sql(ledger, statement)
    with Ledger.open(ledger) as opened:
        assert len(opened.records()) == 9


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
    recorded_in: tuple[Store, str], statements: tuple[str, ...], named: list[str]
) -> None:
    store, recorded = recorded_in
    ledger = store.copy(recorded)
    store.sql(ledger, *statements, tamper=True)
    code, _, err = _caa("ledger", "verify", "--ledger", ledger)
    assert code == 2
    for text in named:
        assert f"{store.shown(ledger)}: {text}" in err
    assert "FAILED verification" in err


def test_verify_with_a_published_head_finds_records_removed_from_the_end(recorded_in: tuple[Store, str]) -> None:
    store, recorded = recorded_in
    ledger = store.copy(recorded)
    head = _caa("ledger", "verify", "--ledger", ledger)[1].split("head ")[1].strip()
    store.sql(ledger, "DELETE FROM record WHERE id = 9", tamper=True)
    assert _caa("ledger", "verify", "--ledger", ledger)[0] == 0  # a chain cut at its end is still a chain
    code, _, err = _caa("ledger", "verify", "--ledger", ledger, "--head", head)
    assert code == 2 and "records were removed from its end" in err


@pytest.mark.parametrize("recorded_in", ["sqlite"], indirect=True)
def test_a_sqlite_ledger_copied_into_postgresql_verifies_the_same(
    recorded_in: tuple[Store, str], postgres: Any
) -> None:
    """The same hash over the same content: a ledger moved between the stores keeps its chain and its head."""
    recorded = recorded_in[1]
    target = postgres.new_ledger()
    with Ledger.open(recorded) as old, Ledger.open(target) as new:
        with new.writing():
            for record in old.records():
                new._store.execute(
                    "INSERT INTO record VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    tuple(record.__dict__.values()),
                )
        assert new.verify() == old.verify()
        assert new.append(entry()).prev_hash == old.verify()[2]


def test_a_postgresql_url_without_the_driver_says_which_extra_to_install(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)  # import psycopg now raises ImportError
    with pytest.raises(LedgerError, match=r"needs the psycopg driver: pip install 'caa-engine\[postgres\]'"):
        Ledger.open("postgresql://caa@db.example/ledger")
    code, _, err = _caa("ledger", "verify", "--ledger", "postgres://caa@db.example/ledger")
    assert code == 2 and "needs the psycopg driver" in err


def test_a_postgresql_ledger_that_cannot_be_reached_is_named_without_its_password(postgres: Any) -> None:
    url = f"postgresql://caa:s3cret@/nowhere?host={postgres.folder}&port=1"  # nothing listens on port 1's socket
    with pytest.raises(LedgerError, match="cannot open the ledger 'postgresql://caa@/nowhere") as caught:
        Ledger.open(url)
    assert "s3cret" not in str(caught.value)
    assert shown_url("postgresql://u@h/db?password=x&sslmode=require") == "postgresql://u@h/db?sslmode=require"


def test_reading_a_postgresql_database_with_no_ledger_is_refused_and_creates_nothing(postgres: Any) -> None:
    url = postgres.new_ledger()
    code, _, err = _caa("history", "x", "--ledger", url)
    assert code == 2 and f"'{shown_url(url)}' is not a caa ledger: it has no 'record' table" in err
    import psycopg

    with psycopg.connect(url) as db:
        assert db.execute("SELECT to_regclass('record')").fetchone() == (None,)


ANOTHER_FILE = "choose another path for --ledger: a new or empty file is made a ledger"
ANOTHER_SCHEMA = "choose another schema or database for --ledger: an empty one is made a ledger"


def _refusals(target: str) -> list[tuple[int, str]]:
    """What creating (ledger init, assess --record) and reading (history) a ledger at ``target`` say."""
    return [
        _caa("ledger", "init", "--ledger", target)[::2],
        _caa("assess", str(FIXTURES / "cheltenham.yaml"), "--backend", "native", "--record", "--ledger", target)[::2],
        _caa("history", "x", "--ledger", target)[::2],
    ]


@pytest.mark.parametrize(
    ("content", "why"),
    [
        pytest.param(
            ["CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)", "INSERT INTO notes VALUES (1, 'keep me')",
             "CREATE TABLE tags (name TEXT)"],
            "it is a SQLite database holding other tables ('notes', 'tags')",
            id="another application's database",
        ),
        pytest.param(
            [f"CREATE TABLE t{n} (x)" for n in range(7)],
            "it is a SQLite database holding other tables ('t0', 't1', 't2', 't3', 't4', …)",
            id="many other tables",
        ),
        pytest.param(
            ["CREATE TABLE record (id INTEGER, name TEXT)", "INSERT INTO record VALUES (1, 'keep me')"],
            "its 'record' table is not the ledger's (columns id, name)",
            id="a table named record of another shape",
        ),
        pytest.param(
            ["CREATE VIEW record AS SELECT 1 AS id"], "its 'record' is not a table", id="a view named record"
        ),
        pytest.param(
            ["CREATE TABLE ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL)"],
            "it has a 'ledger_meta' table but no 'record'",
            id="half a ledger",
        ),
        pytest.param(b"area: cheltenham\nperiod: 2008/09\n", "it is not a SQLite database", id="a text file"),
        pytest.param(
            random.Random(15).randbytes(4096), "it is not a SQLite database", id="random bytes"
        ),
    ],
)  # fmt: skip
def test_regression_a_sqlite_file_that_is_not_a_ledger_is_refused_and_left_byte_for_byte_unchanged(
    tmp_path: Path, content: list[str] | bytes, why: str
) -> None:
    """ledger init and assess --record used to add the ledger's tables to any SQLite database they were given
    (and, refusing a foreign 'record' table, still switched the file to WAL); reading gave SQL errors."""
    target = tmp_path / "other.db"
    if isinstance(content, bytes):
        target.write_bytes(content)
    else:
        db = sqlite3.connect(target)
        for statement in content:
            db.execute(statement)
        db.commit()
        db.close()
    before = target.read_bytes()
    message = f"caa: error: '{target}' is not a caa ledger: {why}; {ANOTHER_FILE}\n"
    assert _refusals(str(target)) == [(2, message)] * 3
    assert target.read_bytes() == before
    assert sorted(path.name for path in tmp_path.iterdir()) == ["other.db"]  # no -wal, -shm or -journal left


@pytest.mark.parametrize("content", ["", "PRAGMA user_version = 7"], ids=["an empty file", "a database, no table"])
def test_an_empty_sqlite_file_is_made_a_ledger(tmp_path: Path, content: str) -> None:
    target = tmp_path / "empty.db"
    target.touch()
    if content:
        sqlite3.connect(target).execute(content).connection.close()
    code, out, err = _caa("ledger", "init", "--ledger", str(target))
    assert (code, out, err) == (0, f"{target}: a caa ledger, 0 records\n", "")
    code, _, err = _caa(
        "assess", str(FIXTURES / "cheltenham.yaml"), "--backend", "native", "--record", "--ledger", str(target)
    )
    assert code == 0 and f"recorded in {target} (record 1)" in err
    assert _caa("ledger", "verify", "--ledger", str(target))[1].startswith(f"{target}: OK, 1 record, head ")


def test_the_columns_a_ledger_must_have_are_the_records_fields() -> None:
    from caa_engine.ledger.storage import LEDGER_TABLES
    from caa_engine.ledger.store import Record

    assert LEDGER_TABLES["record"] == tuple(field.name for field in fields(Record))


@pytest.mark.parametrize(
    ("statements", "why"),
    [
        pytest.param(
            ["CREATE TABLE record (id bigint, name text)", "INSERT INTO record VALUES (1, 'keep me')"],
            "its 'record' table is not the ledger's (columns id, name)",
            id="a table named record of another shape",
        ),
        pytest.param(
            ["CREATE TABLE ledger_meta (key text PRIMARY KEY, value text NOT NULL)"],
            "it has a 'ledger_meta' table but no 'record'",
            id="half a ledger",
        ),
        pytest.param(
            ["CREATE VIEW record AS SELECT 1 AS id"], "its 'record' is not a table", id="a view named record"
        ),
        pytest.param(
            ["CREATE TABLE {other}.record (id bigint, name text)"],
            "its 'record' table is not the ledger's (columns id, name)",
            id="another shape's record later on the search_path",
        ),
    ],
)  # fmt: skip
def test_regression_a_postgresql_schema_with_tables_named_like_the_ledgers_of_another_shape_is_refused(
    postgres: Any, statements: list[str], why: str
) -> None:
    """ledger init and assess --record took any table named 'record' (even one later on the search_path) for
    the ledger's: nothing was created, and recording failed on its columns."""
    import psycopg

    url = postgres.new_ledger()
    other = f"o_{uuid.uuid4().hex[:12]}"
    url += f"%2C{other}"  # a second schema on the search_path, after the ledger's
    with psycopg.connect(postgres.admin_url, autocommit=True) as db:
        db.execute(f"CREATE SCHEMA {other}")  # type: ignore[arg-type]
    Store("postgresql", Path(), postgres).sql(url, *(statement.format(other=other) for statement in statements))

    def state() -> list[Any]:
        with psycopg.connect(url) as db:
            return (
                db.execute(
                    "SELECT n.nspname, c.relname, c.relkind FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
                    " WHERE n.nspname IN (current_schema(), %s) ORDER BY 1, 2",
                    (other,),
                ).fetchall()
                + db.execute("SELECT count(*) FROM pg_trigger WHERE NOT tgisinternal").fetchall()
            )

    before = state()
    message = f"caa: error: '{shown_url(url)}' is not a caa ledger: {why}; {ANOTHER_SCHEMA}\n"
    assert _refusals(url) == [(2, message)] * 3
    assert state() == before


def test_a_recording_role_with_only_select_and_insert_records_and_cannot_rewrite(postgres: Any) -> None:
    """The set-up docs/ledger.md gives: the owner creates the ledger, a recorder gets SELECT and INSERT only."""
    import psycopg

    owner_url = postgres.new_ledger()
    code, out, _ = _caa("ledger", "init", "--ledger", owner_url)
    assert code == 0 and out == f"{shown_url(owner_url)}: a caa ledger, 0 records\n"
    assert _caa("ledger", "init", "--ledger", owner_url)[0] == 0  # an existing ledger is left as it is
    assert _caa("ledger", "verify", "--ledger", owner_url)[1].startswith(f"{shown_url(owner_url)}: OK, 0 records")
    schema = _schema(owner_url)
    role = f"rec_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(owner_url, autocommit=True) as db:
        for statement in (
            f"CREATE ROLE {role} LOGIN",
            f"GRANT USAGE ON SCHEMA {schema} TO {role}",
            f"GRANT SELECT, INSERT ON {schema}.record TO {role}",
            f"GRANT SELECT ON {schema}.ledger_meta TO {role}",
        ):
            db.execute(statement)  # type: ignore[arg-type]
    recorder_url = owner_url.replace("postgresql://postgres@", f"postgresql://{role}@")
    with Ledger.open(recorder_url) as ledger:
        assert [ledger.append(entry(text=str(n))).id for n in range(3)] == [1, 2, 3]
        assert ledger.verify()[:2] == ([], 3)
    with psycopg.connect(recorder_url, autocommit=True) as db:
        for statement in (
            "UPDATE record SET area = 'y'",
            "DELETE FROM record",
            "ALTER TABLE record DISABLE TRIGGER USER",
        ):
            with pytest.raises(psycopg.errors.InsufficientPrivilege):
                db.execute(statement)  # type: ignore[arg-type]


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


def test_caa_ledger_may_name_a_postgresql_database(postgres: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    url = postgres.new_ledger()
    monkeypatch.setenv("CAA_LEDGER", url)
    code, _, err = _caa("assess", str(FIXTURES / "cheltenham.yaml"), "--backend", "native", "--record")
    assert code == 0 and f"recorded in {shown_url(url)} (record 1)" in err
    code, out, _ = _caa("ledger", "verify")
    assert code == 0 and out.startswith(f"{shown_url(url)}: OK, 1 record, head ")


def _python(code: str, *args: str) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", textwrap.dedent(code), *args], stdout=subprocess.PIPE, text=True, env=env
    )


def test_a_writer_killed_mid_transaction_leaves_the_ledger_intact_and_verifiable(store: Store) -> None:
    path = store.new("crash.sqlite")
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
        path,
    )
    assert writer.stdout is not None and writer.stdout.readline().strip() == "in the transaction"
    writer.send_signal(signal.SIGKILL)
    writer.wait(timeout=10)
    with Ledger.open(path) as ledger:  # PostgreSQL: the append waits until the server sees the writer gone
        problems, count, _ = ledger.verify()
        assert (problems, count) == ([], 3)
        assert ledger.append(entry()).id == 4  # and it takes the next record as if nothing happened
        assert ledger.verify()[:2] == ([], 4)


def test_several_processes_recording_at_once_into_a_new_ledger_create_it_once_and_lose_nothing(store: Store) -> None:
    path = store.new("busy.sqlite")  # not there yet: the three first writers create it at once
    writers = [
        _python(
            """
            import sys
            from caa_engine.ledger.store import Ledger, LedgerEntry
            ledger = Ledger.open(sys.argv[1])
            for n in range(15):
                ledger.append(LedgerEntry(f"area-{sys.argv[2]}", "2008/09", str(n), "r", "e", "f", "v", "b"))
            """,
            path,
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


def test_regression_first_writers_opening_a_new_postgresql_ledger_together_all_find_it_made(
    postgres: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Each first writer checks for the table, takes the creation lock and checks again; the second check asked
    # to_regclass(), answered from the connection's catalog cache, which had not yet seen the table another
    # writer had just committed, so some created it again: 'relation "record" already exists' (the three-process
    # test above failed now and then; six writers failed most rounds). Here every writer is connected before
    # any checks, so all find no table and queue on the lock.
    import threading

    import psycopg

    url, writers = postgres.new_ledger(), 6
    together = threading.Barrier(writers)
    connect = psycopg.connect

    def connected(*args: Any, **kwargs: Any) -> Any:
        db = connect(*args, **kwargs)
        together.wait(timeout=30)
        return db

    monkeypatch.setattr(psycopg, "connect", connected)
    failures: list[BaseException] = []

    def first_writer() -> None:
        try:
            Ledger.open(url).close()
        except BaseException as error:  # noqa: BLE001 - reported by the assertion below
            failures.append(error)

    threads = [threading.Thread(target=first_writer) for _ in range(writers)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    monkeypatch.setattr(psycopg, "connect", connect)
    assert [str(failure) for failure in failures] == []
    with Ledger.open(url) as ledger:
        assert ledger.verify()[:2] == ([], 0)


def test_caa_ledger_in_the_environment_does_not_stop_an_assessment_that_records_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CAA_LEDGER", str(tmp_path / "l.sqlite"))
    code, _, err = _caa("assess", str(FIXTURES / "cheltenham.yaml"), "--backend", "native", "--format", "json")
    assert code == 0, err
    assert not (tmp_path / "l.sqlite").exists()
    code, _, err = _caa("assess", str(FIXTURES / "cheltenham.yaml"), "--backend", "native", "--record")
    assert code == 0 and f"recorded in {tmp_path / 'l.sqlite'} (record 1)" in err


@pytest.mark.parametrize("recorded_in", ["sqlite"], indirect=True)  # PostgreSQL: the test of reading an empty one
def test_verify_writes_nothing_not_even_the_triggers_a_tamperer_dropped(recorded_in: tuple[Store, str]) -> None:
    store, recorded = recorded_in
    ledger = Path(store.copy(recorded))
    store.sql(str(ledger), tamper=True)
    before = ledger.read_bytes()
    assert _caa("ledger", "verify", "--ledger", str(ledger))[0] == 0
    assert _caa("history", "cheltenham", "--ledger", str(ledger))[0] == 0
    assert ledger.read_bytes() == before
    db = sqlite3.connect(ledger)
    assert db.execute("SELECT count(*) FROM sqlite_master WHERE type = 'trigger'").fetchone() == (0,)


def test_regression_the_same_rules_recorded_from_another_checkout_are_unchanged_in_compare(tmp_path: Path) -> None:
    # rules_sha256 covers the rule files' paths as shown: the same files recorded from the project and from
    # another recorder's checkout of it made compare say "rules: changed" and "what changed: the rules", though
    # not one byte of a rule file differed.
    ledger = str(tmp_path / "l.sqlite")
    checkout = tmp_path / "checkout" / "rules"
    shutil.copytree(ROOT / "rules", checkout)
    for rules in ("rules", str(checkout)):
        code, _, err = _caa(
            "assess", str(FIXTURES / "cheltenham.yaml"), "--rules", rules, "--record", "--ledger", ledger,
            "--backend", "native", "--format", "json",
        )  # fmt: skip
        assert code == 0, err
    with Ledger.open(ledger) as opened:
        first, second = opened.records("cheltenham")
    assert first.rules_sha256 != second.rules_sha256  # the paths differ: so does the hash over them
    code, out, _ = _caa("compare", "--record", "1", "--record", "2", "--ledger", ledger)
    assert code == 0
    assert out.splitlines()[1:4] == [
        "  rules: unchanged",
        "  evidence: unchanged",
        "  0 changes; what changed: neither the rules nor the evidence",
    ]
