"""A throwaway PostgreSQL cluster for the ledger tests: initdb and pg_ctl in a temporary folder, trust auth,
listening only on a unix socket in that folder (no TCP port to collide on), stopped when the session ends.

PostgreSQL refuses to run as root: as root, the server runs as the ``postgres`` OS user (``runuser -u
postgres``).  Each pytest-xdist worker starts its own cluster the first time one of its tests asks (about a
second), so workers never share a server.  Each test gets its own schema (``Cluster.new_ledger``): a URL whose
``search_path`` is that schema, so tests never see each other's tables.
"""

from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

__all__ = ["Cluster", "find_binaries", "start_cluster"]

PORT = 5432  # only names the socket file inside the cluster's own folder


def find_binaries() -> Path | None:
    """The folder holding initdb and pg_ctl: on PATH, else Debian's /usr/lib/postgresql/N/bin (newest)."""
    found = shutil.which("initdb")
    if found and shutil.which("pg_ctl"):
        return Path(os.path.realpath(found)).parent
    for folder in sorted(glob.glob("/usr/lib/postgresql/*/bin"), key=lambda p: int(p.split("/")[-2]), reverse=True):
        if Path(folder, "initdb").is_file() and Path(folder, "pg_ctl").is_file():
            return Path(folder)
    return None


@dataclass
class Cluster:
    folder: Path
    binaries: Path
    as_user: list[str]

    @property
    def admin_url(self) -> str:
        return f"postgresql://postgres@/postgres?host={quote(str(self.folder))}&port={PORT}"

    def new_ledger(self) -> str:
        """A fresh, empty schema, and a ledger URL whose search_path is it."""
        import psycopg

        schema = f"t_{uuid.uuid4().hex[:12]}"
        with psycopg.connect(self.admin_url, autocommit=True) as db:
            db.execute(f"CREATE SCHEMA {schema}")  # type: ignore[arg-type]
        return f"{self.admin_url}&options=-csearch_path%3D{schema}"

    def stop(self) -> None:
        subprocess.run(
            [*self.as_user, str(self.binaries / "pg_ctl"), "-D", str(self.folder / "data"), "-w", "-s", "-m", "immediate", "stop"],
            check=False,
            capture_output=True,
        )  # fmt: skip
        shutil.rmtree(self.folder, ignore_errors=True)


def start_cluster(binaries: Path) -> Cluster:
    """initdb and start a cluster; raises RuntimeError (with the server's words) when it cannot."""
    folder = Path(tempfile.mkdtemp(prefix="caa-pg-"))  # short: a unix socket's path is at most 107 bytes
    as_user: list[str] = []
    if os.geteuid() == 0:
        import pwd

        try:
            owner = pwd.getpwnam("postgres")
        except KeyError:
            raise RuntimeError("running as root, and there is no 'postgres' OS user to run the server") from None
        os.chown(folder, owner.pw_uid, owner.pw_gid)
        as_user = ["runuser", "-u", "postgres", "--"]
    cluster = Cluster(folder, binaries, as_user)
    data = folder / "data"
    steps = [
        [str(binaries / "initdb"), "-D", str(data), "-A", "trust", "-U", "postgres", "--no-sync", "-E", "UTF8",
         "--locale=C"],
        [str(binaries / "pg_ctl"), "-D", str(data), "-w", "-s", "-l", str(folder / "server.log"), "-o",
         f"-c listen_addresses='' -k {folder} -p {PORT} -c fsync=off -c full_page_writes=off", "start"],
    ]  # fmt: skip
    for step in steps:
        done = subprocess.run([*as_user, *step], capture_output=True, text=True, check=False)
        if done.returncode != 0:
            log = (folder / "server.log").read_text(errors="replace") if (folder / "server.log").exists() else ""
            cluster.stop()
            raise RuntimeError(f"{Path(step[0]).name} failed: {done.stderr.strip() or done.stdout.strip()} {log}")
    return cluster
