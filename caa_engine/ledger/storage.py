"""Where the ledger's records are kept: a SQLite file or a PostgreSQL database, behind one small seam.

The ledger's logic (numbering, chaining, corrections, verification) is :mod:`.store`'s and is the same for both;
a :class:`Storage` only runs its SQL.  Every statement is written once, with ``?`` placeholders, in the SQL both
databases speak; each storage differs only in how it connects, creates its tables and triggers, and holds the
write lock of an append:

- SQLite (stdlib ``sqlite3``): a file in WAL mode with full sync; an append is one ``BEGIN IMMEDIATE``
  transaction, so writers in several processes queue (a 60-second busy timeout);
- PostgreSQL (``psycopg`` 3, the optional ``postgres`` extra): a ``postgresql://`` URL; an append is one
  transaction that first takes a transaction-scoped advisory lock (``pg_advisory_xact_lock``), so appends from
  every connection queue and none reads a stale head.  The advisory lock needs no privilege on the table, so a
  recording role needs only ``SELECT`` and ``INSERT``; a writer that skipped it would still meet the unique
  ``prev_hash``, and the chain cannot fork.

Both refuse ``UPDATE`` and ``DELETE`` of a record by trigger (PostgreSQL ``TRUNCATE`` too).

Neither makes a ledger in something that is already something else: a SQLite file that is not a database, or
holds other tables, and a database whose ``record`` or ``ledger_meta`` is not the ledger's, are refused before
anything is written (:func:`_refusal`, one judgement for both); only an empty file or schema is made a ledger.
"""

from __future__ import annotations

import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

__all__ = ["POSTGRES_SCHEMES", "Storage", "StorageError", "open_storage", "is_postgres_url", "shown_url"]

POSTGRES_SCHEMES = ("postgresql://", "postgres://")
APPEND_ONLY = "the ledger is append-only: record a correction instead"
SCHEMA_VERSION = "1"

# The record table's columns in both databases; only the id's type differs (SQLite's INTEGER is 64-bit).
_RECORD_COLUMNS = """
    area            TEXT NOT NULL,
    period          TEXT,                  -- NULL: undated rules, and the bundle named no period
    result_json     TEXT NOT NULL,         -- Result.to_json(): the canonical JSON, full trail (never jsonb: the
                                           -- hash is over these exact characters)
    rules_sha256    TEXT NOT NULL,
    evidence_sha256 TEXT NOT NULL,
    evidence_file   TEXT NOT NULL,
    engine_version  TEXT NOT NULL,
    backend         TEXT NOT NULL,
    recorded_by     TEXT NOT NULL,
    recorded_at     TEXT NOT NULL,         -- UTC, ISO 8601, as hashed
    supersedes      {id_type},             -- the record this one corrects
    reason          TEXT,                  -- why (given with supersedes)
    prev_hash       TEXT NOT NULL UNIQUE,  -- one record follows each: the chain cannot fork
    hash            TEXT NOT NULL UNIQUE
"""

# What an existing database must hold to be taken for a ledger: the tables the schemas below create, with these
# columns (the record's read from _RECORD_COLUMNS itself, so the two cannot drift apart).
LEDGER_TABLES: dict[str, tuple[str, ...]] = {
    "record": (
        "id",
        *(line.split()[0] for line in _RECORD_COLUMNS.strip().splitlines() if not line.lstrip().startswith("--")),
    ),
    "ledger_meta": ("key", "value"),
}
_ANOTHER_FILE = "choose another path for --ledger: a new or empty file is made a ledger"
_ANOTHER_SCHEMA = "choose another schema or database for --ledger: an empty one is made a ledger"

_SQLITE_SCHEMA = f"""
CREATE TABLE IF NOT EXISTS record (
    id              INTEGER PRIMARY KEY,   -- 1, 2, 3 ... in the order appended, never reused
{_RECORD_COLUMNS.format(id_type="INTEGER")}
);
CREATE INDEX IF NOT EXISTS record_area ON record (area, period);
CREATE TABLE IF NOT EXISTS ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TRIGGER IF NOT EXISTS record_append_only_update BEFORE UPDATE ON record
BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END;
CREATE TRIGGER IF NOT EXISTS record_append_only_delete BEFORE DELETE ON record
BEGIN SELECT RAISE(ABORT, '{APPEND_ONLY}'); END
"""

# Created once, in the connection's current schema, by the first role that opens the ledger to write.
_POSTGRES_SCHEMA = f"""
CREATE TABLE record (
    id              BIGINT PRIMARY KEY,    -- 1, 2, 3 ... in the order appended, never reused
{_RECORD_COLUMNS.format(id_type="BIGINT")}
);
CREATE INDEX record_area ON record (area, period);
CREATE TABLE ledger_meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE FUNCTION record_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION '{APPEND_ONLY}'; END $$;
CREATE TRIGGER record_append_only BEFORE UPDATE OR DELETE ON record
    FOR EACH ROW EXECUTE FUNCTION record_append_only();
CREATE TRIGGER record_append_only_truncate BEFORE TRUNCATE ON record
    FOR EACH STATEMENT EXECUTE FUNCTION record_append_only()
"""

# Whether the ledger's table is in the schema it is created in, read from the catalog as it stands now: once the
# lock is ours, another first writer's CREATE may have committed, and to_regclass() (a name lookup through this
# connection's catalog caches, which this transaction had not refreshed) did not always see it: with several first
# writers at once, some then created it again and failed ('relation "record" already exists').
_POSTGRES_HAS_RECORD = (
    "SELECT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace "
    "WHERE c.relname = 'record' AND n.nspname = current_schema())"
)
# The relations the ledger's statements would use (found through the search_path, as they are), with their kind
# ('r': a table) and columns.
_POSTGRES_FOUND = (
    "SELECT c.relname, c.relkind, a.attname FROM pg_catalog.pg_class c LEFT JOIN pg_catalog.pg_attribute a "
    "ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped "
    "WHERE c.oid IN (to_regclass('record'), to_regclass('ledger_meta')) ORDER BY c.relname, a.attnum"
)
# Appends to one schema's ledger queue on this advisory lock (any 64-bit number: this one is the ledger's own).
_POSTGRES_LOCK = "SELECT pg_advisory_xact_lock(hashtextextended('caa-engine ledger ' || current_schema(), 0))"


class StorageError(Exception):
    """The database refused or failed (its own message), or the ledger cannot be reached."""

    def __init__(self, message: str):
        super().__init__(message)


class Storage(Protocol):
    """What the ledger needs of a database: statements with ``?`` placeholders, and a write-locked transaction.

    Every method raises :class:`StorageError`."""

    name: str  # how the ledger is named in messages: a file path, or a URL without its password

    def write_lock(self) -> Any:
        """A context manager: one transaction holding the ledger's write lock; committed when it ends, rolled
        back on an error (and by the database, when the writer dies)."""

    def one(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...] | None: ...

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
        """The rows one at a time: a national ledger's results need not fit in memory together."""

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None: ...

    def close(self) -> None: ...


def is_postgres_url(target: str) -> bool:
    return target.startswith(POSTGRES_SCHEMES)


def shown_url(url: str) -> str:
    """A PostgreSQL URL as messages show it: never its password (in the address or as a parameter)."""
    parts = urlsplit(url)
    netloc = parts.netloc
    if "@" in netloc:
        user, _, host = netloc.rpartition("@")
        netloc = f"{user.split(':', 1)[0]}@{host}"
    query = urlencode([(k, v) for k, v in parse_qsl(parts.query) if k.lower() != "password"], safe="/")
    return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))


def open_storage(target: str, *, create: bool) -> Storage:
    """The storage at ``target``: a ``postgresql://`` URL, else a SQLite file path.  With ``create``, the tables
    are made in an empty file or schema; without, nothing is written, and a database with no ledger is refused.
    Either way, one holding something else (:func:`_refusal`) is refused before anything is written.

    Raises :class:`StorageError`."""
    if is_postgres_url(target):
        return PostgresStorage(target, create=create)
    return SqliteStorage(Path(target), create=create)


class SqliteStorage:
    """A SQLite file (WAL, full sync); appends queue on ``BEGIN IMMEDIATE``."""

    def __init__(self, path: Path, *, create: bool):
        self.path = path
        self.name = str(path)
        if not create and not path.is_file():  # connecting would make an empty file
            raise StorageError(
                f"no ledger '{path}': record results with 'caa assess … --record' first, or give --ledger PATH"
            )
        try:
            self._db = sqlite3.connect(path, timeout=60.0, isolation_level=None, check_same_thread=False)
        except sqlite3.Error as error:
            raise StorageError(f"cannot open the ledger '{path}': {error}") from None
        try:
            # Judged before anything is written: setting WAL alone rewrites another database's header.
            empty = self._judge()
            if empty and not create:
                raise StorageError(f"'{path}' is not a caa ledger: it has no 'record' table")
            if create:
                self._setup()
        except sqlite3.Error as error:
            self._db.close()
            raise StorageError(f"cannot open the ledger '{path}': {error}") from None
        except BaseException:
            self._db.close()
            raise

    def _judge(self) -> bool:
        """Whether the file is empty (no table yet); raises :class:`StorageError` if it is not a ledger."""
        try:
            names = self._db.execute(
                "SELECT name, type = 'table' FROM sqlite_master WHERE type IN ('table', 'view') "
                "AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name"
            ).fetchall()
        except sqlite3.DatabaseError as error:
            if "not a database" not in str(error):
                raise
            raise StorageError(
                f"'{self.path}' is not a caa ledger: it is not a SQLite database; {_ANOTHER_FILE}"
            ) from None
        found: dict[str, tuple[str, ...] | None] = {}
        others = []
        for name, is_table in names:
            if name in LEDGER_TABLES:
                columns = self._db.execute("SELECT name FROM pragma_table_info(?) ORDER BY cid", (name,))
                found[name] = tuple(row[0] for row in columns) if is_table else None
            else:
                others.append(name)
        why = _refusal(found, others)
        if why is not None:
            raise StorageError(f"'{self.path}' is not a caa ledger: {why}; {_ANOTHER_FILE}")
        return not names

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
        with self.write_lock():
            self._judge()  # as it is now the lock is ours: a first writer's tables are all there, or none
            for statement in _SQLITE_SCHEMA.split(";\n"):
                if statement.strip():
                    self._db.execute(statement)
            self._db.execute("INSERT OR IGNORE INTO ledger_meta VALUES ('schema', ?)", (SCHEMA_VERSION,))

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        with _errors(sqlite3.Error, f"the ledger '{self.name}'"):
            self._db.execute("BEGIN IMMEDIATE")  # the write lock now: appends queue, none reads a stale head
            try:
                yield
            except BaseException:
                self._db.execute("ROLLBACK")
                raise
            self._db.execute("COMMIT")

    def one(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
        with _errors(sqlite3.Error, f"the ledger '{self.name}'"):
            row = self._db.execute(sql, params).fetchone()
        return tuple(row) if row is not None else None

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
        with _errors(sqlite3.Error, f"the ledger '{self.name}'"):
            yield from self._db.execute(sql, params)

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        with _errors(sqlite3.Error, f"the ledger '{self.name}'"):
            self._db.execute(sql, params)

    def close(self) -> None:
        self._db.close()


class PostgresStorage:
    """A PostgreSQL database (psycopg 3, autocommit outside the append transactions); appends queue on an
    advisory lock taken inside each one."""

    def __init__(self, url: str, *, create: bool):
        self.name = shown_url(url)
        try:
            import psycopg
        except ImportError:
            raise StorageError(
                "a PostgreSQL ledger needs the psycopg driver: pip install 'caa-engine[postgres]' "
                "(or 'psycopg[binary]')"
            ) from None
        self._error: type[Exception] = psycopg.Error
        try:
            self._db = psycopg.connect(url, autocommit=True, application_name="caa-engine")
        except psycopg.Error as error:
            raise StorageError(f"cannot open the ledger '{self.name}': {_first_line(error)}") from None
        try:
            found: dict[str, tuple[str, ...] | None] = {}
            for name, kind, column in self.rows(_POSTGRES_FOUND):
                if kind != "r":
                    found[name] = None
                elif column is not None:
                    found[name] = (*(found.get(name) or ()), column)
            why = _refusal(found, [])
            if why is not None:
                raise StorageError(f"'{self.name}' is not a caa ledger: {why}; {_ANOTHER_SCHEMA}")
            if not found:
                if not create:
                    raise StorageError(f"'{self.name}' is not a caa ledger: it has no 'record' table")
                with self.write_lock():  # two first writers at once: one creates, the other finds it made
                    if not self.one(_POSTGRES_HAS_RECORD)[0]:  # type: ignore[index]
                        for statement in _POSTGRES_SCHEMA.split(";\n"):
                            self._db.execute(statement)  # type: ignore[arg-type]
                        self.execute("INSERT INTO ledger_meta VALUES ('schema', ?)", (SCHEMA_VERSION,))
        except BaseException:
            self._db.close()
            raise

    @contextmanager
    def write_lock(self) -> Iterator[None]:
        with _errors(self._error, f"the ledger '{self.name}'"), self._db.transaction():
            self._db.execute(_POSTGRES_LOCK)
            yield

    def one(self, sql: str, params: tuple[Any, ...] = ()) -> tuple[Any, ...] | None:
        with _errors(self._error, f"the ledger '{self.name}'"):
            return self._db.execute(_placeholders(sql), params).fetchone()  # type: ignore[arg-type]

    def rows(self, sql: str, params: tuple[Any, ...] = ()) -> Iterator[tuple[Any, ...]]:
        with _errors(self._error, f"the ledger '{self.name}'"):
            yield from self._db.cursor().stream(_placeholders(sql), params)  # type: ignore[arg-type]

    def execute(self, sql: str, params: tuple[Any, ...] = ()) -> None:
        with _errors(self._error, f"the ledger '{self.name}'"):
            self._db.execute(_placeholders(sql), params)  # type: ignore[arg-type]

    def close(self) -> None:
        self._db.close()


def _refusal(found: dict[str, tuple[str, ...] | None], others: list[str]) -> str | None:
    """Why a database is not a ledger, or None: it is one, or holds nothing yet (and may be made one).

    ``found``: each of the ledger's table names the database has -> its columns (None: it is not a table);
    ``others``: the tables a ledger's database cannot share (a SQLite file is the ledger's alone)."""
    if not found:
        if not others:
            return None
        shown = ", ".join(f"'{name}'" for name in others[:5]) + (", …" if len(others) > 5 else "")
        return f"it is a SQLite database holding other tables ({shown})"
    for table in (table for table in LEDGER_TABLES if table in found):
        has = found[table]
        if has is None:
            return f"its '{table}' is not a table"
        if sorted(has) != sorted(LEDGER_TABLES[table]):
            return f"its '{table}' table is not the ledger's (columns {', '.join(has) or 'none'})"
    missing = [table for table in LEDGER_TABLES if table not in found]
    if missing:
        return f"it has a '{next(iter(found))}' table but no '{missing[0]}'"
    return None


def _placeholders(sql: str) -> str:
    """The ledger's statements hold no '?' or '%' but their placeholders: psycopg's are ``%s``."""
    return sql.replace("?", "%s")


def _first_line(error: Exception) -> str:
    return (str(error).strip().splitlines() or [type(error).__name__])[0]


@contextmanager
def _errors(kind: type[Exception], what: str) -> Iterator[None]:
    try:
        yield
    except kind as error:
        raise StorageError(f"{what}: {_first_line(error)}") from None
