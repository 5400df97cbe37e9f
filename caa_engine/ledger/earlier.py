"""An indicator's earlier values read from the ledger: what the published results of earlier periods were judged on.

For an area and the period being judged, :class:`LedgerHistory` takes, for each earlier period, the record in
force (the latest not superseded, as ``caa compare --period`` does) and reads from its result's audit trail the
value each indicator had: the ``indicator.value`` a rule or measure read for the fact ``BODY/indicator/CODE``.
That is the value the published judgement rests on; an indicator no rule read in that period's result gives no
earlier value from it.  Each value carries its source as the trail names it, ``ledger record 7 (hash
1a2b3c4d5e6f)``, never the ledger's path, so the same ledger, rules and evidence give the same bytes wherever the
ledger is.  The ledger is read as it stood when the history was opened (records up to the head then), so records
appended during a run, by it or by others, never change what it reads.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from ..evidence.history import EarlierValue
from ..facts import normalise_number
from ..periods import period_year
from .store import Ledger, Record

__all__ = ["LedgerHistory", "record_source", "earlier_values_of"]

_SEPARATOR = "/indicator/"  # an indicator fact's id is BODY/indicator/CODE (evidence/loader.py)


def record_source(record: Record) -> str:
    """How the trail names a ledger record: its id and the start of its hash."""
    return f"ledger record {record.id} (hash {record.hash[:12]})"


def earlier_values_of(record: Record) -> list[EarlierValue]:
    """The value of each indicator the record's result read, in its trail (the first place it is read)."""
    if record.period is None:
        return []
    found: dict[tuple[str, str], Any] = {}
    for event in json.loads(record.result_json).get("audit", []):
        for given in event.get("inputs", []):
            fact = given.get("fact") or ""
            if given.get("name") != "indicator.value" or _SEPARATOR not in fact:
                continue
            body, _, code = fact.partition(_SEPARATOR)
            value = given.get("value")
            if isinstance(value, (int, float)) and not isinstance(value, bool):
                found.setdefault((body, code), value)
    source = record_source(record)
    return [
        EarlierValue(body, code, record.period, normalise_number(value), source)
        for (body, code), value in sorted(found.items())
    ]


class LedgerHistory:
    """Earlier values from a ledger (a :class:`Ledger`, or where to open one: a file path or a PostgreSQL URL),
    as it stood when this was made.  Opening it never creates a ledger.

    Raises :class:`~caa_engine.ledger.LedgerError` when the ledger cannot be opened or read."""

    def __init__(self, ledger: Ledger | str | Path, upto: int | None = None):
        """``upto``: read the records up to this id (default: the ledger's last record now)."""
        self._own = not isinstance(ledger, Ledger)
        self.ledger = Ledger.open(ledger, create=False) if not isinstance(ledger, Ledger) else ledger
        try:
            self.upto = self.ledger.head_id() if upto is None else upto
        except BaseException:
            self.close()
            raise

    def values(self, area: str, period: str) -> list[EarlierValue]:
        """``area``'s indicators' values in each period before ``period``, from the record in force for each.

        Raises :class:`~caa_engine.ledger.LedgerError`."""
        year = period_year(period)
        if year is None:
            return []
        records = [r for r in self.ledger.records(area) if r.id <= self.upto]
        superseded = {r.supersedes for r in records if r.supersedes is not None}
        in_force: dict[str, Record] = {}
        for record in records:  # in id order: the latest record not superseded is the one in force
            earlier = period_year(record.period) if record.period else None
            if earlier is not None and earlier < year and record.id not in superseded:
                in_force[record.period or ""] = record
        return [value for _, record in sorted(in_force.items()) for value in earlier_values_of(record)]

    def close(self) -> None:
        if self._own:
            self.ledger.close()

    def __enter__(self) -> LedgerHistory:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
