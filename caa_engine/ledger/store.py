"""The ledger: every published result, append-only, each record chained to the one before by its hash.

A :class:`Record` holds what was judged (area, period, the result's canonical JSON), under what (the rules'
and the evidence's sha256, the engine version and backend), and who recorded it when (UTC).  Records are
never changed or removed: a correction is a new record that ``supersedes`` an earlier one and gives its
``reason``.  Each record's ``hash`` is the sha256 of its canonical content (:func:`record_hash`: every field
but the hash, the previous record's hash among them), so :func:`verify` finds any record edited, removed
or moved, and names it.

The records are kept in a SQLite file (the default, created on first use) or a PostgreSQL database (a
``postgresql://`` URL), through :mod:`.storage`; everything here is the same for both.  Each append is one
transaction holding the ledger's write lock while it reads the head and inserts the next record, so writers
in several processes queue and none is lost, and a writer killed mid-transaction leaves only what was
committed before.  Triggers refuse UPDATE and DELETE; someone who disables them can still edit a record,
which the hash chain then shows.  docs/ledger.md has the schema and the PostgreSQL set-up.
"""

from __future__ import annotations

import getpass
import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import asdict, dataclass, fields
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from .storage import Storage, StorageError, open_storage

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
    """A ledger, opened (and created on first use) by :meth:`open`: a SQLite file or a PostgreSQL database."""

    def __init__(self, storage: Storage):
        self._store = storage
        # How the ledger is named in messages: the file's path, or the database's URL without its password.
        self.path: Path | str = getattr(storage, "path", storage.name)

    @classmethod
    def open(cls, target: str | Path | None = None, *, create: bool = True) -> Ledger:
        """Open the ledger at ``target`` (default: $CAA_LEDGER, else ./caa-ledger.sqlite): a SQLite file path,
        or a ``postgresql://`` (``postgres://``) URL.  It is created unless ``create`` is false (then nothing is
        written: reading and verifying leave the ledger as it was).

        Raises :class:`LedgerError`: the ledger cannot be opened or created, it is not a ledger, or for a URL,
        the ``psycopg`` driver is not installed.
        """
        where = str(target) if target is not None else os.environ.get(LEDGER_ENV) or DEFAULT_LEDGER
        try:
            return cls(open_storage(where, create=create))
        except StorageError as error:
            raise LedgerError(str(error)) from None

    def close(self) -> None:
        self._store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    @contextmanager
    def writing(self) -> Iterator[_Writer]:
        """One transaction of appends, holding the ledger's write lock: all of them are recorded, or (an error,
        a crash) none.  Raises :class:`LedgerError`."""
        try:
            with self._store.write_lock():
                yield _Writer(self._store)
        except StorageError as error:
            raise LedgerError(f"cannot record in {error}") from None

    def append(self, entry: LedgerEntry, *, supersedes: int | None = None, reason: str | None = None) -> Record:
        """Record one entry in its own transaction.  Raises :class:`LedgerError`."""
        with self.writing() as writer:
            return writer.append(entry, supersedes=supersedes, reason=reason)

    def records(self, area: str | None = None) -> list[Record]:
        """Every record (of ``area``), in the order appended.  Raises :class:`LedgerError`."""
        return list(self._each(area))

    def _each(self, area: str | None = None) -> Iterator[Record]:
        """The records one at a time (a national ledger's results need not fit in memory together)."""
        query = f"SELECT {', '.join(_COLUMNS)} FROM record"
        rows = (
            self._store.rows(query + " WHERE area = ? ORDER BY id", (area,))
            if area is not None
            else self._store.rows(query + " ORDER BY id")
        )
        with self._reading():
            for row in rows:
                yield Record(*row)

    @contextmanager
    def _reading(self) -> Iterator[None]:
        try:
            yield
        except StorageError as error:
            raise LedgerError(f"cannot read {error}") from None

    def areas(self) -> list[str]:
        """The areas the ledger holds records of, sorted."""
        with self._reading():
            return [row[0] for row in self._store.rows("SELECT DISTINCT area FROM record ORDER BY area")]

    def hashes(self) -> set[str]:
        with self._reading():
            return {row[0] for row in self._store.rows("SELECT hash FROM record")}

    def head_id(self) -> int:
        """The id of the last record (0 for an empty ledger)."""
        with self._reading():
            row = self._store.one("SELECT max(id) FROM record")
        return int(row[0]) if row and row[0] is not None else 0

    def record(self, number: int) -> Record | None:
        with self._reading():
            row = self._store.one(f"SELECT {', '.join(_COLUMNS)} FROM record WHERE id = ?", (number,))
        return Record(*row) if row else None

    def superseded(self) -> dict[int, int]:
        """Each superseded record's id -> the id of the record that corrects it."""
        with self._reading():
            rows = self._store.rows("SELECT supersedes, id FROM record WHERE supersedes IS NOT NULL")
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
    """Appends inside one transaction that holds the write lock (see :meth:`Ledger.writing`)."""

    def __init__(self, store: Storage):
        self._store = store
        self.recorded_by = recorder()

    def append(self, entry: LedgerEntry, *, supersedes: int | None = None, reason: str | None = None) -> Record:
        if supersedes is not None:
            self._check_correction(entry, supersedes, reason)
        head = self._store.one("SELECT id, hash FROM record ORDER BY id DESC LIMIT 1")
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
        self._store.execute(
            f"INSERT INTO record ({', '.join(_COLUMNS)}) VALUES ({', '.join('?' * len(_COLUMNS))})",
            tuple(getattr(record, name) for name in _COLUMNS),
        )
        return record

    def _check_correction(self, entry: LedgerEntry, supersedes: int, reason: str | None) -> None:
        if not (reason or "").strip():
            raise LedgerError("a correction says why: give a reason")
        row = self._store.one("SELECT area FROM record WHERE id = ?", (supersedes,))
        if row is None:
            raise LedgerError(f"there is no record {supersedes} to supersede")
        if row[0] != entry.area:
            raise LedgerError(f"record {supersedes} is for area '{row[0]}', not '{entry.area}'")
        later = self._store.one("SELECT id FROM record WHERE supersedes = ?", (supersedes,))
        if later is not None:
            raise LedgerError(f"record {supersedes} is already superseded by record {later[0]}: supersede that one")
