"""The ledger: every published result, append-only, each record chained to the one before by its hash.

A :class:`Record` holds what was judged (area, period, the result's canonical JSON), under what (the rules'
and the evidence's sha256, the engine version and backend), and who recorded it when (UTC).  Records are
never changed or removed: a correction is a new record that ``supersedes`` an earlier one and gives its
``reason``.  Each record's ``hash`` is the sha256 of its canonical content (:func:`record_hash`: every field
but the hash, the previous record's hash among them), so :func:`verify` finds any record edited, removed
or moved, and names it.

Storage is SQLite (stdlib ``sqlite3``): one file, created on first use, in WAL mode with full sync; each
append is one ``BEGIN IMMEDIATE`` transaction, so writers in several processes queue and none is lost, and
a writer killed mid-transaction leaves only what was committed before.  Triggers refuse UPDATE and DELETE;
someone who drops them can still edit the file, which the hash chain then shows.  docs/ledger.md has the
schema and what a PostgreSQL ledger would take (not implemented).
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

__all__ = [
    "GENESIS",
    "LEDGER_ENV",
    "DEFAULT_LEDGER",
    "LedgerEntry",
    "Record",
    "Ledger",
    "LedgerError",
    "Problem",
    "entry_of",
    "record_hash",
    "recorder",
]

GENESIS = "0" * 64  # the previous hash of the first record
LEDGER_ENV = "CAA_LEDGER"
USER_ENV = "CAA_USER"
DEFAULT_LEDGER = "caa-ledger.sqlite"
SCHEMA_VERSION = "1"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS record (
    id              INTEGER PRIMARY KEY,   -- 1, 2, 3 ... in the order appended, never reused
    area            TEXT NOT NULL,
    period          TEXT,                  -- NULL: undated rules, and the bundle named no period
    result_json     TEXT NOT NULL,         -- Result.to_json(): the canonical JSON, full trail
    rules_sha256    TEXT NOT NULL,
    evidence_sha256 TEXT NOT NULL,
    evidence_file   TEXT NOT NULL,
    engine_version  TEXT NOT NULL,
    backend         TEXT NOT NULL,
    recorded_by     TEXT NOT NULL,
    recorded_at     TEXT NOT NULL,         -- UTC, ISO 8601
    supersedes      INTEGER,               -- the record this one corrects
    reason          TEXT,                  -- why (given with supersedes)
    prev_hash       TEXT NOT NULL,
    hash            TEXT NOT NULL UNIQUE
);
CREATE INDEX IF NOT EXISTS record_area ON record (area, period);
CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS record_append_only_update BEFORE UPDATE ON record
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: record a correction instead'); END;
CREATE TRIGGER IF NOT EXISTS record_append_only_delete BEFORE DELETE ON record
BEGIN SELECT RAISE(ABORT, 'the ledger is append-only: record a correction instead'); END;
"""


class LedgerError(Exception):
    """The ledger cannot be opened or written, or a request of it cannot be met (message for people)."""

    def __init__(self, message: str):
        super().__init__(message)


@dataclass(frozen=True)
class LedgerEntry:
    """What is recorded of one result, before the ledger numbers, dates and chains it."""

    area: str
    period: str | None
    result_json: str
    rules_sha256: str
    evidence_sha256: str
    evidence_file: str
    engine_version: str
    backend: str


@dataclass(frozen=True)
class Record:
    id: int
    area: str
    period: str | None
    result_json: str
    rules_sha256: str
    evidence_sha256: str
    evidence_file: str
    engine_version: str
    backend: str
    recorded_by: str
    recorded_at: str
    supersedes: int | None
    reason: str | None
    prev_hash: str
    hash: str


_COLUMNS = tuple(f.name for f in fields(Record))


@dataclass(frozen=True)
class Problem:
    """What :func:`Ledger.verify` found wrong with one record."""

    record: int
    message: str


def entry_of(result: Any, period: str | None) -> LedgerEntry:
    """The ledger entry for an engine :class:`~caa_engine.result.Result` judged for ``period``."""
    return LedgerEntry(
        area=str(result.area["id"]),
        period=period,
        result_json=result.to_json(),
        rules_sha256=result.rules_sha256,
        evidence_sha256=result.evidence["sha256"],
        evidence_file=result.evidence["file"],
        engine_version=result.engine["version"],
        backend=result.backend,
    )


def record_hash(content: dict[str, Any]) -> str:
    """sha256 of a record's canonical content: every field but ``hash``, as sorted compact JSON (UTF-8)."""
    data = {name: content[name] for name in _COLUMNS if name != "hash"}
    text = json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def recorder() -> str:
    """Who is recording: $CAA_USER, else the login name."""
    name = os.environ.get(USER_ENV, "")
    if name:
        return name
    try:
        return getpass.getuser()
    except Exception:  # no login name (a container with no passwd entry): still record, and say so
        return "unknown"


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="microseconds").replace("+00:00", "Z")


class Ledger:
    """A SQLite ledger file, opened (and created on first use) by :meth:`open`."""

    def __init__(self, path: Path, connection: sqlite3.Connection):
        self.path = path
        self._db = connection

    @classmethod
    def open(cls, target: str | Path | None = None, *, create: bool = True) -> Ledger:
        """Open the ledger at ``target`` (default: $CAA_LEDGER, else ./caa-ledger.sqlite), creating it unless
        ``create`` is false (then nothing is written: reading and verifying leave the file as it was).

        Raises :class:`LedgerError` for a PostgreSQL DSN (not implemented) or a file that cannot be used.
        """
        where = str(target) if target is not None else os.environ.get(LEDGER_ENV) or DEFAULT_LEDGER
        if where.startswith(("postgres://", "postgresql://")):
            raise LedgerError(
                "PostgreSQL ledgers are not implemented yet: this version records in SQLite only "
                "(docs/ledger.md says what a PostgreSQL ledger would take); give a file path"
            )
        path = Path(where)
        try:
            connection = sqlite3.connect(path, timeout=60.0, isolation_level=None, check_same_thread=False)
            ledger = cls(path, connection)
            if create:
                ledger._setup()
            elif connection.execute("SELECT 1 FROM sqlite_master WHERE name = 'record'").fetchone() is None:
                connection.close()
                raise LedgerError(f"'{path}' is not a caa ledger: it has no 'record' table")
        except sqlite3.Error as error:
            raise LedgerError(f"cannot open the ledger '{path}': {error}") from None
        return ledger

    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _setup(self) -> None:
        for attempt in range(200):  # several processes creating one file at once: WAL is set by one of them
            try:
                mode = self._db.execute("PRAGMA journal_mode=WAL").fetchone()[0]
                break
            except sqlite3.OperationalError as error:
                if "locked" not in str(error) or attempt == 199:
                    raise
                time.sleep(0.05)
        if str(mode).lower() != "wal":
            raise sqlite3.OperationalError(f"cannot use write-ahead logging (journal mode is {mode})")
        self._db.execute("PRAGMA synchronous=FULL")
        with self._transaction():
            for statement in _SCHEMA.split(";\n"):
                if statement.strip():
                    self._db.execute(statement)
            self._db.execute("INSERT OR IGNORE INTO ledger_meta VALUES ('schema', ?)", (SCHEMA_VERSION,))

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        self._db.execute("BEGIN IMMEDIATE")  # the write lock now: appends queue, none reads a stale head
        try:
            yield self._db
        except BaseException:
            self._db.execute("ROLLBACK")
            raise
        self._db.execute("COMMIT")

    @contextmanager
    def writing(self) -> Iterator[_Writer]:
        """One transaction of appends: all of them are recorded, or (an error, a crash) none."""
        try:
            with self._transaction():
                yield _Writer(self._db)
        except sqlite3.Error as error:
            raise LedgerError(f"cannot record in the ledger '{self.path}': {error}") from None

    def append(self, entry: LedgerEntry, *, supersedes: int | None = None, reason: str | None = None) -> Record:
        """Record one entry in its own transaction.  Raises :class:`LedgerError`."""
        with self.writing() as writer:
            return writer.append(entry, supersedes=supersedes, reason=reason)

    def records(self, area: str | None = None) -> list[Record]:
        """Every record (of ``area``), in the order appended."""
        return list(self._each(area))

    def _each(self, area: str | None = None) -> Iterator[Record]:
        """The records one at a time (a national ledger's results need not fit in memory together)."""
        query = f"SELECT {', '.join(_COLUMNS)} FROM record"
        rows = (
            self._db.execute(query + " WHERE area = ? ORDER BY id", (area,))
            if area is not None
            else self._db.execute(query + " ORDER BY id")
        )
        for row in rows:
            yield Record(*row)

    def areas(self) -> list[str]:
        """The areas the ledger holds records of, sorted."""
        return [row[0] for row in self._db.execute("SELECT DISTINCT area FROM record ORDER BY area")]

    def hashes(self) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT hash FROM record")}

    def record(self, number: int) -> Record | None:
        row = self._db.execute(f"SELECT {', '.join(_COLUMNS)} FROM record WHERE id = ?", (number,)).fetchone()
        return Record(*row) if row else None

    def superseded(self) -> dict[int, int]:
        """Each superseded record's id -> the id of the record that corrects it."""
        rows = self._db.execute("SELECT supersedes, id FROM record WHERE supersedes IS NOT NULL")
        return {old: new for old, new in rows}

    def verify(self) -> tuple[list[Problem], int, str]:
        """Check every record against its hash and the chain: (problems, records, head hash)."""
        problems: list[Problem] = []
        previous = GENESIS
        expected_id = 1
        count = 0
        seen: set[int] = set()
        for record in self._each():
            count += 1
            content = asdict(record)
            if record.id > expected_id:
                gone = (
                    f"record {expected_id} is"
                    if record.id == expected_id + 1
                    else f"records {expected_id} to {record.id - 1} are"
                )
                problems.append(Problem(record.id, f"{gone} missing before it: removed"))
            if record_hash(content) != record.hash:
                problems.append(Problem(record.id, "its content does not match its hash: it was edited"))
            if record.prev_hash != previous:
                problems.append(
                    Problem(record.id, "it does not follow the record before it: records were removed or reordered")
                )
            if record.supersedes is not None and record.supersedes not in seen:
                problems.append(Problem(record.id, f"it supersedes record {record.supersedes}, which is not before it"))
            seen.add(record.id)
            previous = record.hash
            expected_id = record.id + 1
        return problems, count, previous


class _Writer:
    """Appends inside one transaction (see :meth:`Ledger.writing`)."""

    def __init__(self, db: sqlite3.Connection):
        self._db = db
        self.recorded_by = recorder()

    def append(self, entry: LedgerEntry, *, supersedes: int | None = None, reason: str | None = None) -> Record:
        if supersedes is not None:
            self._check_correction(entry, supersedes, reason)
        head = self._db.execute("SELECT id, hash FROM record ORDER BY id DESC LIMIT 1").fetchone()
        number, previous = (head[0] + 1, head[1]) if head else (1, GENESIS)
        content = {
            **asdict(entry),
            "id": number,
            "recorded_by": self.recorded_by,
            "recorded_at": _now(),
            "supersedes": supersedes,
            "reason": reason,
            "prev_hash": previous,
        }
        content["hash"] = record_hash(content)
        record = Record(**content)
        self._db.execute(
            f"INSERT INTO record ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
            tuple(getattr(record, name) for name in _COLUMNS),
        )
        return record

    def _check_correction(self, entry: LedgerEntry, supersedes: int, reason: str | None) -> None:
        if not (reason or "").strip():
            raise LedgerError("a correction says why: give a reason")
        row = self._db.execute("SELECT area FROM record WHERE id = ?", (supersedes,)).fetchone()
        if row is None:
            raise LedgerError(f"there is no record {supersedes} to supersede")
        if row[0] != entry.area:
            raise LedgerError(f"record {supersedes} is for area '{row[0]}', not '{entry.area}'")
        later = self._db.execute("SELECT id FROM record WHERE supersedes = ?", (supersedes,)).fetchone()
        if later is not None:
            raise LedgerError(f"record {supersedes} is already superseded by record {later[0]}: supersede that one")
