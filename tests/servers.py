"""Throwaway PostgreSQL and MariaDB servers for the database-source tests.

Each is started once per test session (tests/test_databases.py's fixtures) in a new
temporary directory, listening on 127.0.0.1 at a free port, and stopped at the end.
`make test` installs Debian's postgresql and mariadb-server when they are missing;
without them (a machine where apt-get cannot run) the tests skip and say why.

Both servers refuse to run as root: as root they run as the packages' own users
(postgres, mysql), which own the temporary directory.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

PASSWORD = "s3cret-Pa55"   # the tests' password; the tests check it is never shown
# a second MariaDB user's, not ASCII (PyMySQL would send a str password as latin-1)
WIDE_USER, WIDE_PASSWORD = "recon_wide", "pässwörd-日本-€"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _as_user(user: str) -> list[str]:
    """The command prefix that runs a server as `user` when we are root."""
    if os.geteuid() != 0:
        return []
    return ["runuser", "-u", user, "--"]


def _own(path: Path, user: str) -> None:
    if os.geteuid() == 0:
        entry = pwd.getpwnam(user)
        for root, dirs, files in os.walk(path):
            for name in [root, *(os.path.join(root, n) for n in dirs + files)]:
                os.chown(name, entry.pw_uid, entry.pw_gid)


def _wait(ready, what: str, log: Path, seconds: float = 30) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if ready():
            return
        time.sleep(0.2)
    raise RuntimeError(f"{what} did not start: {log.read_text(errors='replace')[-2000:]}")


def _listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


@dataclass
class Server:
    kind: str             # postgresql | mysql
    port: int
    user: str
    database: str
    directory: Path
    stop_command: list[str]
    process: subprocess.Popen | None = None

    def url(self, password: bool = False) -> str:
        secret = f":{PASSWORD}" if password else ""
        return f"{self.kind}://{self.user}{secret}@127.0.0.1:{self.port}/{self.database}"

    def stop(self) -> None:
        if self.process is not None:
            self.process.terminate()
            try:
                self.process.wait(20)
            except subprocess.TimeoutExpired:
                self.process.kill()
        elif self.stop_command:
            subprocess.run(self.stop_command, capture_output=True, check=False)
        shutil.rmtree(self.directory, ignore_errors=True)


def postgres_bin() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _directory(kind: str) -> Path:
    """A new directory for a server, reachable by its user (pytest's own temporary
    directories are private to the user running the tests)."""
    path = Path(tempfile.mkdtemp(prefix=f"recon-{kind}-"))
    path.chmod(0o755)
    return path


def start_postgres() -> Server:
    binaries = postgres_bin()
    if binaries is None:
        raise FileNotFoundError("PostgreSQL is not installed (make test installs it)")
    tmp = _directory("postgresql")
    data, log, port = tmp / "data", tmp / "log", free_port()
    pwfile = tmp / "pw"
    pwfile.write_text(PASSWORD)
    _own(tmp, "postgres")
    run = _as_user("postgres")
    subprocess.run([*run, str(binaries / "initdb"), "-D", str(data), "-U", "recon",
                    "--auth=scram-sha-256", f"--pwfile={pwfile}", "-E", "UTF8",
                    "--no-sync"], check=True, capture_output=True)
    subprocess.run([*run, str(binaries / "pg_ctl"), "-D", str(data), "-l", str(log), "-w",
                    "-o", f"-p {port} -h 127.0.0.1 -k {tmp} -c fsync=off "
                          f"-c synchronous_commit=off -c full_page_writes=off",
                    "start"], check=True, capture_output=True)
    return Server("postgresql", port, "recon", "postgres", tmp,
                  [*run, str(binaries / "pg_ctl"), "-D", str(data), "-m", "immediate",
                   "-w", "stop"])


def start_mariadb() -> Server:
    daemon = shutil.which("mariadbd") or shutil.which("mysqld") or (
        "/usr/sbin/mariadbd" if Path("/usr/sbin/mariadbd").exists() else None)
    install = shutil.which("mariadb-install-db") or shutil.which("mysql_install_db")
    if daemon is None or install is None:
        raise FileNotFoundError("MariaDB is not installed (make test installs it)")
    tmp = _directory("mariadb")
    data, log, port = tmp / "data", tmp / "log", free_port()
    user = "mysql" if os.geteuid() == 0 else pwd.getpwuid(os.geteuid()).pw_name
    _own(tmp, "mysql")
    subprocess.run([install, f"--datadir={data}", f"--user={user}", "--skip-test-db",
                    "--auth-root-authentication-method=normal", "--skip-name-resolve"],
                   check=True, capture_output=True)
    socket_path = tmp / "mysqld.sock"
    process = subprocess.Popen(
        [daemon, "--no-defaults", f"--datadir={data}", f"--user={user}", f"--port={port}",
         "--bind-address=127.0.0.1", f"--socket={socket_path}", f"--pid-file={tmp}/pid",
         "--skip-name-resolve", "--innodb-flush-log-at-trx-commit=0",
         "--innodb-buffer-pool-size=512M", "--skip-log-bin", f"--log-error={log}"],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _wait(lambda: _listening(port) and socket_path.exists(), "MariaDB", log)
    client = shutil.which("mariadb") or shutil.which("mysql")
    subprocess.run([client, f"--socket={socket_path}", "-uroot",
                    "--default-character-set=utf8mb4", "-e",
                    f"CREATE DATABASE ledger; CREATE USER 'recon'@'127.0.0.1' IDENTIFIED BY "
                    f"'{PASSWORD}'; GRANT ALL ON ledger.* TO 'recon'@'127.0.0.1'; "
                    f"CREATE USER '{WIDE_USER}'@'127.0.0.1' IDENTIFIED BY '{WIDE_PASSWORD}'; "
                    f"GRANT ALL ON ledger.* TO '{WIDE_USER}'@'127.0.0.1';"],
                   check=True, capture_output=True)
    return Server("mysql", port, "recon", "ledger", tmp, [], process)


# -- statements on a running server, for the tests ----------------------------------------

def sql(server: Server, statements: list[str]) -> list[tuple]:
    """Run statements on the server as the test user; the rows of the last."""
    if server.kind == "postgresql":
        import adbc_driver_postgresql.dbapi as pgdb

        with pgdb.connect(server.url(password=True), autocommit=True) as conn, \
                conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
            return cur.fetchall() if cur.description else []
    from recon.sources.mysql import mysql_connection

    conn = mysql_connection(server.url(), PASSWORD, autocommit=True)
    try:
        with conn.cursor() as cur:
            for statement in statements:
                cur.execute(statement)
            return list(cur.fetchall())
    finally:
        conn.close()


def kill_sleeping(server: Server) -> None:
    """End, from a second session, the session running a sleeping query (within 10 s)."""
    find = ("SELECT pid FROM pg_stat_activity WHERE query LIKE '%pg_sleep(3)%' "
            "AND pid <> pg_backend_pid()" if server.kind == "postgresql" else
            "SELECT id FROM information_schema.processlist WHERE info LIKE '%SLEEP(3)%' "
            "AND id <> CONNECTION_ID()")
    kill = "SELECT pg_terminate_backend({})" if server.kind == "postgresql" else "KILL {}"
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        found = sql(server, [find])
        if found:
            sql(server, [kill.format(found[0][0])])
            return
        time.sleep(0.05)
