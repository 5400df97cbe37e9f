"""A rules folder as it was at a git revision, for ``caa impact --against REV`` (or ``REV:path``).

The folder is written from ``git archive`` into a temporary folder the caller owns; git is run as a
subprocess in the current folder's checkout.  Every failure (no git, not a checkout, no such revision,
no such folder at it) is a :class:`GitRevisionError` whose message says what to do.
"""

from __future__ import annotations

import io
import subprocess
import tarfile
from pathlib import Path

__all__ = ["GitRevisionError", "rules_at_revision"]


class GitRevisionError(Exception):
    """A revision that cannot be read as a rules folder; the message says why."""

    def __init__(self, message: str):
        super().__init__(message)


def _git(*args: str, cwd: Path) -> subprocess.CompletedProcess[bytes]:
    try:
        return subprocess.run(["git", *args], cwd=cwd, capture_output=True, check=False)
    except FileNotFoundError:
        raise GitRevisionError("git is not installed, so it cannot be read as a revision") from None


def rules_at_revision(spec: str, default_folder: Path, into: Path, cwd: Path | None = None) -> Path:
    """Write the folder ``spec`` names (``REV``: ``default_folder`` at REV; ``REV:path``: that path, from
    the checkout's top) into ``into``, and return where it is.

    Raises :class:`GitRevisionError` if this is not a git checkout, REV is no commit, or the folder is not in it.
    """
    where = Path.cwd() if cwd is None else cwd
    top = _git("rev-parse", "--show-toplevel", cwd=where)
    if top.returncode != 0:
        raise GitRevisionError(
            f"'{spec}' is not a folder, and {where} is not in a git checkout where it could be a revision: "
            "give a rules folder, or run in a checkout to give a revision such as HEAD~1 or main:rules"
        )
    root = Path(top.stdout.decode().strip())
    revision, colon, path = spec.partition(":")
    if colon and path:
        folder = path.strip("/")
    else:
        try:
            folder = default_folder.resolve().relative_to(root.resolve()).as_posix()
        except ValueError:
            raise GitRevisionError(
                f"the rules folder {default_folder} is outside the checkout {root}: name the folder at the revision, "
                f"e.g. {revision}:rules"
            ) from None
    if _git("rev-parse", "--verify", "--quiet", f"{revision}^{{commit}}", cwd=root).returncode != 0:
        raise GitRevisionError(
            f"'{spec}' is neither a folder nor a revision of this git checkout ({root}): give a rules folder, "
            "or a revision such as HEAD~1, main or a commit hash, optionally with :PATH (main:rules)"
        )
    archive = _git("archive", "--format=tar", revision, "--", folder, cwd=root)
    if archive.returncode != 0:
        raise GitRevisionError(f"revision {revision} has no folder '{folder}': name it as {revision}:PATH")
    with tarfile.open(fileobj=io.BytesIO(archive.stdout)) as tar:
        members = [m for m in tar.getmembers() if m.isfile() or m.isdir()]  # no links, devices or the like
        if hasattr(tarfile, "data_filter"):
            tar.extractall(into, members=members, filter="data")
        else:  # pragma: no cover - Python before 3.10.12 / 3.11.4
            tar.extractall(into, members=members)  # noqa: S202 - regular files and folders from our own git
    target = into / folder
    if not target.is_dir():
        raise GitRevisionError(f"'{folder}' at revision {revision} is a file, not a folder of rule files")
    return target
