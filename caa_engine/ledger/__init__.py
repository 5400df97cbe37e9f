"""The ledger of published results (``store``) and the views over it: history and comparison (``views``).

The ``caa ledger verify``, ``caa history`` and ``caa compare`` commands are in ``commands``.
"""

from __future__ import annotations

from .store import DEFAULT_LEDGER, LEDGER_ENV, Ledger, LedgerEntry, LedgerError, Problem, Record, entry_of

__all__ = ["DEFAULT_LEDGER", "LEDGER_ENV", "Ledger", "LedgerEntry", "LedgerError", "Problem", "Record", "entry_of"]
