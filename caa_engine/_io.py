"""The engine's contact with files and terminals: reading inputs, writing outputs, showing text.

- Reading: :func:`read_input` reads a bundle or rule file once, as bytes (a regular file, a FIFO, a device, or
  standard input for ``-``), and refuses anything over the input size limit before it is parsed: at most
  ``limit + 1`` bytes are ever read.  The limit is :data:`DEFAULT_MAX_BYTES` unless ``CAA_MAX_BYTES`` or
  :func:`input_limit` says otherwise.
- Writing: :func:`atomic_writer` and :func:`write_atomic` write to a temporary file in the target's folder and
  rename it over the target, so a reader (or a crash) sees the old file or the new one, never half of one.
- Showing: :func:`visible` makes control characters (terminal escapes, newlines, bidi overrides) and
  undecodable file-name bytes visible, for every piece of text a terminal shows.
"""

from __future__ import annotations

import contextvars
import os
import re
import secrets
import stat
import sys
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from pathlib import Path
from typing import Any, BinaryIO

__all__ = [
    "DEFAULT_MAX_BYTES",
    "MAX_BYTES_ENV",
    "STDIN",
    "STDIN_NAME",
    "InputTooLarge",
    "parse_size",
    "show_size",
    "max_bytes",
    "input_limit",
    "read_input",
    "display_name",
    "visible",
    "visible_lines",
    "atomic_writer",
    "write_atomic",
    "same_file",
]

DEFAULT_MAX_BYTES = 64 * 1024 * 1024
MAX_BYTES_ENV = "CAA_MAX_BYTES"
STDIN = "-"
STDIN_NAME = "<stdin>"

# The limit set for the current command (the CLI's --max-bytes); unset, the environment or the default holds.
_LIMIT: contextvars.ContextVar[int | None] = contextvars.ContextVar("caa_max_bytes", default=None)
_SIZE = re.compile(r"\s*(\d+)\s*(|k|kb|kib|m|mb|mib|g|gb|gib)\s*", re.IGNORECASE)
_UNITS = {"": 1, "k": 1024, "m": 1024**2, "g": 1024**3}


class InputTooLarge(ValueError):
    """An input is larger than the size limit; ``size`` is its size when known (a regular file)."""

    hint = (
        f"raise the limit with --max-bytes SIZE (e.g. --max-bytes 256MiB) or the {MAX_BYTES_ENV} environment variable"
    )

    def __init__(self, limit: int, size: int | None):
        self.limit = limit
        self.size = size
        found = f"is {size:,} bytes" if size is not None else f"holds more than {limit:,} bytes"
        super().__init__(f"the file {found}, over the {show_size(limit)} input size limit; it was not parsed")


def parse_size(text: str) -> int:
    """A size in bytes from ``'67108864'``, ``'64MiB'``, ``'64M'``, ``'512k'`` (binary units).

    Raises ValueError for anything else, or for a size under one byte.
    """
    match = _SIZE.fullmatch(text)
    if match is None or int(match.group(1)) < 1:
        raise ValueError(f"'{text}' is not a size: write a number of bytes, optionally with KiB, MiB or GiB")
    return int(match.group(1)) * _UNITS[match.group(2)[:1].lower()]


def show_size(size: int) -> str:
    """``64 MiB`` for a whole number of MiB (or KiB, GiB), else the bytes: ``1,000 bytes``."""
    for unit, name in ((1024**3, "GiB"), (1024**2, "MiB"), (1024, "KiB")):
        if size >= unit and size % unit == 0:
            return f"{size // unit} {name}"
    return f"{size:,} bytes"


def max_bytes() -> int:
    """The input size limit in force: :func:`input_limit`'s, else ``CAA_MAX_BYTES``, else 64 MiB.

    Raises ValueError if ``CAA_MAX_BYTES`` is set but is not a size.
    """
    chosen = _LIMIT.get()
    if chosen is not None:
        return chosen
    configured = os.environ.get(MAX_BYTES_ENV)
    if configured:
        try:
            return parse_size(configured)
        except ValueError as exc:
            raise ValueError(f"{MAX_BYTES_ENV}: {exc}") from None
    return DEFAULT_MAX_BYTES


@contextmanager
def input_limit(limit: int | None) -> Iterator[None]:
    """Within the block, inputs (bundles and rule files) over ``limit`` bytes are refused (None: unchanged)."""
    token = _LIMIT.set(limit) if limit is not None else None
    try:
        yield
    finally:
        if token is not None:
            _LIMIT.reset(token)


def read_input(path: Path | str, limit: int | None = None) -> bytes:
    """The bytes of ``path`` (``-``: standard input), read once.

    Raises :class:`InputTooLarge` for more than ``limit`` bytes (default :func:`max_bytes`), having read at most
    ``limit + 1``; OSError if it cannot be read.
    """
    limit = max_bytes() if limit is None else limit
    if str(path) == STDIN:
        return _read_limited(_stdin(), limit)
    with Path(path).open("rb") as handle:
        info = os.fstat(handle.fileno())
        if stat.S_ISREG(info.st_mode) and info.st_size > limit:
            raise InputTooLarge(limit, info.st_size)
        return _read_limited(handle, limit)


def _stdin() -> BinaryIO:
    stream: Any = sys.stdin
    if stream is None:
        raise OSError("standard input is closed")
    binary: BinaryIO = getattr(stream, "buffer", stream)
    return binary


def _read_limited(handle: BinaryIO, limit: int) -> bytes:
    data = handle.read(limit + 1)  # a buffered read returns only at limit + 1 bytes or at the end
    if len(data) > limit:
        raise InputTooLarge(limit, None)
    return data


def display_name(path: Path | str) -> str:
    """How an input is named in results and messages: ``<stdin>`` for ``-``, else the path as given, with bytes
    that are not UTF-8 (a file name's surrogate escapes) written ``\\xNN`` so the name is always valid text."""
    text = str(path)
    if text == STDIN:
        return STDIN_NAME
    if not _SURROGATES.search(text):
        return text
    return _SURROGATES.sub(lambda m: _escape(m.group()), text)


_SURROGATES = re.compile("[\ud800-\udfff]")
# Cc (C0, DEL, C1), the line and paragraph separators, and the bidirectional controls that reorder what follows.
_INVISIBLE = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029\u200e\u200f\u202a-\u202e\u2066-\u2069\ud800-\udfff]")
_NAMED = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def _escape(char: str) -> str:
    code = ord(char)
    if char in _NAMED:
        return _NAMED[char]
    if 0xDC80 <= code <= 0xDCFF:  # a byte that was not UTF-8, kept by surrogateescape
        return f"\\x{code - 0xDC00:02x}"
    return f"\\x{code:02x}" if code <= 0xFF else f"\\u{code:04x}"


def visible(text: str) -> str:
    """``text`` with every control character written as an escape (``\\x1b``, ``\\n``, ``\\u202e``) and every
    undecodable file-name byte as ``\\xNN``: what a terminal shows is what the text holds, on one line."""
    if not _INVISIBLE.search(text):
        return text
    return _INVISIBLE.sub(lambda m: _escape(m.group()), text)


def visible_lines(text: str) -> str:
    """A multi-line report made safe for a terminal: :func:`visible` on each line, its line breaks kept."""
    return "\n".join(visible(line) for line in text.split("\n"))


@contextmanager
def atomic_writer(path: Path | str) -> Iterator[BinaryIO]:
    """A binary file that becomes ``path`` when the block ends without an exception.

    The data goes to a temporary file beside the target and is renamed over it (after an fsync), so the target
    is always the old file or the whole new one; on any failure, an interrupt included, the temporary file is
    removed and the target is untouched.  A symlinked target is written through the link; an existing target's
    permissions are kept.  Raises OSError.
    """
    target = Path(os.path.realpath(path))
    mode: int | None = None
    with suppress(FileNotFoundError):
        mode = stat.S_IMODE(os.stat(target).st_mode)
    temp, descriptor = _temporary(target)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        if mode is not None:
            os.chmod(temp, mode)
        os.replace(temp, target)
    except BaseException:
        with suppress(OSError):
            os.unlink(temp)
        raise


def _temporary(target: Path) -> tuple[Path, int]:
    """A new file beside ``target`` (hidden, never a bundle's suffix), created with the usual 0o666 & ~umask."""
    while True:
        temp = target.with_name(f".{target.name}.{secrets.token_hex(4)}.caa-tmp")
        try:
            return temp, os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue


def write_atomic(path: Path | str, data: bytes | str) -> None:
    """Write ``data`` (text as UTF-8) to ``path`` atomically (see :func:`atomic_writer`).  Raises OSError."""
    with atomic_writer(path) as handle:
        handle.write(data.encode("utf-8") if isinstance(data, str) else data)


def same_file(first: Path | str, second: Path | str) -> bool:
    """Whether two paths name one file (the same resolved path, or the same inode through a hard link)."""
    if os.path.realpath(first) == os.path.realpath(second):
        return True
    try:
        return os.path.samefile(first, second)
    except OSError:
        return False
