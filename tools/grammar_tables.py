"""Write caa_engine/rules/_grammar_tables.py: the condition parser's LALR tables as plain Python data.

Building the tables from the grammar takes tens of milliseconds at every start of the engine (each CLI run,
each worker of a round); loading them takes about one.  The file is data (dicts, lists, strings), never a
pickle, and names the grammar, options and lark version it was made from: with any other, the engine builds
the parser from the grammar instead.  Run after editing the grammar in caa_engine/rules/expr.py or moving to
another lark:

    python tools/grammar_tables.py            # --check: only say whether the file is current (exit 1 if not)
"""

from __future__ import annotations

import sys
from pathlib import Path

from lark.grammar import Rule
from lark.lexer import TerminalDef

from caa_engine.rules.expr import build_parser, grammar_key

TARGET = Path(__file__).resolve().parent.parent / "caa_engine" / "rules" / "_grammar_tables.py"


def tables_source() -> str:
    data, memo = build_parser().memo_serialize([TerminalDef, Rule])
    return (
        '"""The condition parser\'s LALR tables, written by tools/grammar_tables.py: do not edit."""\n\n'
        f"KEY = {grammar_key()!r}\n"
        f"TABLES = {{'data': {data!r}, 'memo': {memo!r}}}\n"
    )


def main() -> int:
    if "--check" in sys.argv[1:]:
        # The tables' state numbers vary from run to run (lark builds them from sets), so what is compared is
        # what they were made from.
        current = f"KEY = {grammar_key()!r}\n" in (TARGET.read_text(encoding="utf-8") if TARGET.exists() else "")
        print("current" if current else f"stale: run python tools/{Path(__file__).name}")
        return 0 if current else 1
    TARGET.write_text(tables_source(), encoding="utf-8")
    print(f"wrote {TARGET}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
