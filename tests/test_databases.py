"""Database sources (issue 19, docs/interface.md §1): v1 read from a real PostgreSQL,
v2 from a real MariaDB, both started once per session on 127.0.0.1 (tests/servers.py).

The same generated ledger is reconciled from files and from the databases: the
findings, balances and row counts agree. The bad cases are each an exit code and one
line naming the source, never showing the password.
"""

from __future__ import annotations

import dataclasses
import json
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

from fixtures import databases
from fixtures.generate import main as generate_main
from tests import servers
from tests.conftest import Ledgers, entry, open_state

PASSWORD = servers.PASSWORD
DAYS = ("2026-11-01", "2026-11-02")


def _start(kind: str):
    start = servers.start_postgres if kind == "postgresql" else servers.start_mariadb
    try:
        return start()
    except FileNotFoundError as exc:
        pytest.skip(str(exc))


@pytest.fixture(scope="session")
def pg():
    server = _start("postgresql")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def my():
    server = _start("mysql")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def generated(tmp_path_factory, pg, my) -> Path:
    """A two-day generated ledger with breaks of every kind; v1 and v2 loaded into
    both servers (tables v1_* and v2_*)."""
    out = tmp_path_factory.mktemp("ledger")
    generate_main([str(out), "--start", DAYS[0], "--days", "2", "--entries", "400",
                   "--accounts", "30", "--breaks", "2", "--junk", "0", "--seed", "7",
                   "--format", "parquet"])
    for server in (pg, my):
        for system in ("v1", "v2"):
            databases.load(out / system, server.url(), PASSWORD, system)
    return out


def config(path: Path, **systems: tuple) -> Path:
    """A config reading each named system from (server, {key: value})."""
    lines = []
    for system, (server, keys) in systems.items():
        lines += [f"[sources.{system}]", f'url = "{server.url()}"',
                  'password_env = "RECON_TEST_PASSWORD"']
        lines += [f"{key} = {json.dumps(value)}" for key, value in keys.items()]
    path.write_text("\n".join(lines) + "\n")
    return path


def tables(system: str) -> dict:
    return {"entries_table": f"{system}_entries", "balances_table": f"{system}_balances"}


@pytest.fixture
def password(monkeypatch):
    monkeypatch.setenv("RECON_TEST_PASSWORD", PASSWORD)


def _run(ledgers: Ledgers, *argv: str):
    return ledgers.invoke(*argv, "--out", str(ledgers.out), "--db", str(ledgers.db),
                          "--no-html", "--fail-on", "never")


def _worklist(out: Path, day: str) -> pl.DataFrame:
    return (pl.read_parquet(out / day / "worklist.parquet").drop("item_id", "run_id")
            .sort(pl.all()))


def test_postgres_v1_against_mariadb_v2_equals_the_files(tmp_path, generated, pg, my,
                                                         password):
    files = Ledgers(tmp_path / "files")
    from_files = _run(files, "diff", "--from", DAYS[0], "--to", DAYS[1], "--v1",
                      str(generated / "v1"), "--v2", str(generated / "v2"))
    assert from_files.exit_code == 0
    dbs = Ledgers(tmp_path / "dbs")
    cfg = config(tmp_path / "db.toml", v1=(pg, tables("v1")), v2=(my, {
        "entries_query": "SELECT * FROM v2_entries WHERE biz_date = :biz_date",
        "balances_table": "v2_balances"}))
    run = _run(dbs, "diff", "--from", DAYS[0], "--to", DAYS[1], "--config", str(cfg))
    assert run.exit_code == 0, run.stderr
    for day in DAYS:
        assert _worklist(dbs.out, day).equals(_worklist(files.out, day))
        assert len(_worklist(dbs.out, day)) > 10   # breaks of several kinds to agree on
        left, right = from_files.summary(day), run.summary(day)
        for key in ("findings", "by_kind", "abs_impact", "balances"):
            assert left.get(key) == right.get(key), key
        for system in ("v1", "v2"):   # all but the number of files: a source is one
            assert ({**left["systems"][system], "files": 1} == right["systems"][system])

    # the run log names each source by its URL and table or query, with rows and time
    con = open_state(dbs.db)
    inputs = json.loads(con.execute("SELECT inputs FROM runs ORDER BY biz_date LIMIT 1")
                        .fetchone()[0])
    v1 = inputs["v1/entries"][0]
    assert v1["source"] == f"{pg.url()} table v1_entries"
    assert v1["rows"] == from_files.summary(DAYS[0])["systems"]["v1"]["rows_read"]
    assert v1["snapshot_at"].endswith("Z")
    assert inputs["v2/entries"][0]["source"] == f"{my.url()} query entries_query"
    assert ":biz_date" not in inputs["v2/entries"][0]["query"]
    con.close()

    # the nightly job runs from the config alone, and the password is nowhere
    log, dbs = tmp_path / "nightly.log", Ledgers(tmp_path / "nightly")
    night = dbs.invoke("nightly", "--config", str(cfg), "--out", str(dbs.out), "--db",
                       str(dbs.db), "--today", "2026-11-03", "--log", str(log),
                       "--fail-on", "never")
    assert night.exit_code == 0, night.stderr
    assert json.loads(log.read_text().splitlines()[-1])["biz_date"] == DAYS[1]
    written = [*(p.read_bytes() for p in dbs.db.rglob("*") if p.is_file()), log.read_bytes(),
               night.stdout.encode(),
               night.stderr.encode(), *(p.read_bytes() for p in dbs.out.rglob("*")
                                        if p.is_file())]
    assert not any(PASSWORD.encode() in blob for blob in written)


@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
def test_rows_break_the_same_rules_and_are_numbered_by_key(tmp_path, kind, pg, my,
                                                           password):
    """Rows a typed table can still hold wrong are rejected with the files' reasons;
    each is named by the source and its place in the result ordered by the key
    (NULLs first on both servers)."""
    server = pg if kind == "postgresql" else my
    day = "2026-11-01"
    rows = [entry("S1", "A1"), entry("S2", "A1", direction="X"),
            entry("S3", "A2", amount="-5.00"), entry("S4", None)]
    for row in rows:
        row["biz_date"] = day
    servers.sql(server, ["DROP TABLE IF EXISTS bad_entries", "DROP TABLE IF EXISTS bad_balances",
                  "CREATE TABLE bad_entries (serial_no varchar(8), account_id varchar(8), "
                  "direction varchar(2), amount decimal(18,2), currency varchar(3), "
                  "biz_type varchar(8), posted_at timestamp, biz_date date)",
                  "CREATE TABLE bad_balances (account_id varchar(8), opening_balance "
                  "decimal(18,2), closing_balance decimal(18,2), currency varchar(3), "
                  "biz_date date)",
                  *(f"INSERT INTO bad_entries VALUES ({_literal(r['serial_no'])}, "
                    f"{_literal(r['account_id'])}, '{r['direction']}', {r['amount']}, 'CNY', "
                    f"'DEPOSIT', '2026-11-01 10:00:00', '{day}')" for r in reversed(rows)),
                  f"INSERT INTO bad_balances VALUES ('A1', 0, 10, 'CNY', '{day}')"])
    ledgers = Ledgers(tmp_path)
    ledgers.entries("v2", [entry("S1", "A1")])
    ledgers.balances("v2", [{"account_id": "A1", "opening_balance": "0.00",
                             "closing_balance": "10.00", "currency": "CNY"}])
    cfg = config(tmp_path / "db.toml", v1=(server, {"entries_table": "bad_entries",
                                                    "balances_table": "bad_balances"}))
    run = _run(ledgers, "diff", "--date", day, "--config", str(cfg), "--v2", str(ledgers.v2))
    assert run.exit_code == 0, run.stderr
    rejects = {(r["source_row"], r["reason"]) for r in run.rejects()}
    assert rejects == {(1, "missing account_id"), (3, "unknown direction"),
                       (4, "negative amount")}
    assert {r["source_file"] for r in run.rejects()} == {f"{server.url()} table bad_entries"}
    assert not any(run.summary()["findings"].values())


@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
def test_a_wrong_column_type_is_an_input_error(tmp_path, kind, pg, my, password):
    """Money as a float, or with 4 decimals, is refused whole; a missing required
    column too: exit 3 naming the source."""
    server = pg if kind == "postgresql" else my
    float_type = "double precision" if kind == "postgresql" else "double"
    for money, expected in ((float_type, "is floating point"),
                            ("decimal(20,3)", "is DECIMAL(20,3): money has at most 2 decimals")):
        servers.sql(server, ["DROP TABLE IF EXISTS typed_entries",
                      f"CREATE TABLE typed_entries (serial_no varchar(8), account_id "
                      f"varchar(8), direction varchar(2), amount {money}, currency varchar(3), "
                      f"biz_type varchar(8), posted_at timestamp, biz_date date)",
                      "INSERT INTO typed_entries VALUES ('S1', 'A1', 'C', 1.5, 'CNY', "
                      "'DEPOSIT', '2026-11-01 10:00:00', '2026-11-01')"])
        cfg = config(tmp_path / "db.toml", v1=(server, {
            "entries_table": "typed_entries",
            "balances_query": "SELECT 'A1' AS account_id, 0 AS opening_balance, "
                              "0 AS closing_balance WHERE :biz_date IS NOT NULL"}))
        ledgers = Ledgers(tmp_path / money.split("(")[0].replace(" ", "_"))
        run = _run(ledgers, "diff", "--date", "2026-11-01", "--config", str(cfg),
                   "--v2", str(ledgers.v2))
        assert run.exit_code == 3, run.stdout + run.stderr
        assert expected in run.stderr
        assert f"{server.url()} table typed_entries:" in run.stderr

    cfg = config(tmp_path / "db.toml", v1=(server, {
        "entries_query": "SELECT serial_no, direction, amount FROM typed_entries "
                         "WHERE biz_date = :biz_date",
        "balances_table": "typed_entries"}))
    run = _run(Ledgers(tmp_path / "missing"), "diff", "--date", "2026-11-01", "--config",
               str(cfg), "--v2", str(tmp_path))
    assert run.exit_code == 3
    assert "missing required column 'account_id'" in run.stderr
    assert run.stderr.count("\n") == 1


@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
def test_a_biz_date_that_is_not_a_date_is_refused_naming_its_type(tmp_path, kind, pg, my,
                                                                  password):
    """A table's biz_date with a time part (its rows at 10:00 were never read, without a
    word) or as text (an SQL error on PostgreSQL) is refused: exit 3, naming the table,
    the column and its type. A query that gives a column twice is refused too (it was
    read by its first `amount` on PostgreSQL)."""
    server = pg if kind == "postgresql" else my
    stamp = ("timestamp", "timestamp") if kind == "postgresql" else ("datetime", "DATETIME")
    text = ("varchar(10)", "varchar") if kind == "postgresql" else ("varchar(10)", "VARCHAR")
    balances = {"balances_query": "SELECT 'A1' AS account_id, 0 AS opening_balance, "
                                  "0 AS closing_balance WHERE :biz_date IS NOT NULL"}
    for (declared, shown), value in ((stamp, "2026-11-01 10:00:00"), (text, "2026-11-01")):
        servers.sql(server, ["DROP TABLE IF EXISTS dated_entries",
                      f"CREATE TABLE dated_entries (serial_no varchar(8), account_id "
                      f"varchar(8), direction varchar(2), amount decimal(18,2), currency "
                      f"varchar(3), biz_type varchar(8), posted_at timestamp, "
                      f"biz_date {declared})",
                      f"INSERT INTO dated_entries VALUES ('S1', 'A1', 'C', 1.5, 'CNY', "
                      f"'DEPOSIT', '2026-11-01 10:00:00', '{value}')"])
        cfg = config(tmp_path / "db.toml",
                     v1=(server, {"entries_table": "dated_entries", **balances}))
        ledgers = Ledgers(tmp_path / declared.split("(")[0])
        run = _run(ledgers, "diff", "--date", "2026-11-01", "--config", str(cfg),
                   "--v2", str(ledgers.v2))
        assert run.exit_code == 3, run.stdout + run.stderr
        assert (f"entries: table dated_entries column biz_date is {shown}, not DATE"
                in run.stderr), run.stderr
        assert run.stderr.count("\n") == 1

    cfg = config(tmp_path / "db.toml", v1=(server, {
        "entries_query": "SELECT serial_no, account_id, direction, amount, currency, "
                         "biz_type, posted_at, amount FROM dated_entries "
                         "WHERE :biz_date IS NOT NULL",
        **balances}))
    run = _run(Ledgers(tmp_path / "twice"), "diff", "--date", "2026-11-01", "--config",
               str(cfg), "--v2", str(tmp_path))
    assert run.exit_code == 3, run.stderr
    assert "entries: the query gives column 'amount' twice" in run.stderr


def test_a_password_that_is_not_ascii_logs_in(tmp_path, my, generated, monkeypatch):
    """MariaDB: a right password that is not ASCII (PyMySQL sent it as latin-1)."""
    wide = dataclasses.replace(my, user=servers.WIDE_USER)
    monkeypatch.setenv("RECON_TEST_PASSWORD", servers.WIDE_PASSWORD)
    cfg = config(tmp_path / "db.toml", v1=(wide, tables("v1")), v2=(wide, tables("v2")))
    run = _run(Ledgers(tmp_path), "diff", "--date", DAYS[0], "--config", str(cfg))
    assert run.exit_code == 0, run.stderr
    assert servers.WIDE_PASSWORD not in run.stdout + run.stderr


@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
def test_a_bare_null_column_is_read_or_refused_never_a_crash(tmp_path, kind, pg, my,
                                                             generated, password):
    """A query column that is a bare NULL: PostgreSQL types it (text) and it is read;
    connectorx cannot read MySQL's typeless column, so recon refuses it, naming it
    (it used to be a Rust panic and a traceback)."""
    server = pg if kind == "postgresql" else my
    cfg = config(tmp_path / "db.toml", v1=(server, {
        "entries_query": "SELECT serial_no, account_id, direction, amount, currency, "
                         "biz_type, posted_at, NULL AS legal_entity FROM v1_entries "
                         "WHERE biz_date = :biz_date",
        "balances_table": "v1_balances"}), v2=(server, tables("v2")))
    run = _run(Ledgers(tmp_path), "diff", "--date", DAYS[0], "--config", str(cfg))
    if kind == "postgresql":
        assert run.exit_code == 0, run.stderr
    else:
        assert run.exit_code == 3
        assert "column 'legal_entity' has no type" in run.stderr
        assert "Traceback" not in run.stderr


@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
def test_unreachable_wrong_password_missing_table(tmp_path, kind, pg, my, monkeypatch):
    server = pg if kind == "postgresql" else my
    ledgers = Ledgers(tmp_path)
    monkeypatch.setenv("RECON_TEST_PASSWORD", "not-" + PASSWORD)
    cfg = config(tmp_path / "db.toml", v1=(server, tables("v1")))
    run = _run(ledgers, "diff", "--date", DAYS[0], "--config", str(cfg), "--v2", str(tmp_path))
    assert run.exit_code == 3 and f"v1 {server.url()}: cannot read" in run.stderr
    assert PASSWORD not in run.stderr

    monkeypatch.setenv("RECON_TEST_PASSWORD", PASSWORD)
    cfg = config(tmp_path / "db.toml", v1=(server, {"entries_table": "no_such_table",
                                                    "balances_table": "v1_balances"}))
    run = _run(ledgers, "diff", "--date", DAYS[0], "--config", str(cfg), "--v2", str(tmp_path))
    assert run.exit_code == 3 and "no_such_table" in run.stderr

    closed = type(server)(server.kind, servers.free_port(), server.user, server.database,
                          server.directory, [])
    cfg = config(tmp_path / "db.toml", v1=(closed, tables("v1")))
    started = time.monotonic()
    run = _run(ledgers, "diff", "--date", DAYS[0], "--config", str(cfg), "--v2", str(tmp_path))
    assert run.exit_code == 3 and "cannot read" in run.stderr
    assert time.monotonic() - started < 10   # no driver retrying for half a minute


@pytest.mark.parametrize("kind", ["postgresql", "mysql"])
def test_a_connection_lost_mid_read_is_an_input_error(tmp_path, kind, pg, my, generated,
                                                      password):
    """The server ends the session while the entries are streaming: exit 3, and no
    date is recorded as reconciled."""
    server = pg if kind == "postgresql" else my
    sleep = "pg_sleep(3)" if kind == "postgresql" else "SLEEP(3)"
    cfg = config(tmp_path / "db.toml", v1=(server, {
        "entries_query": f"SELECT * FROM v1_entries WHERE biz_date = :biz_date "
                         f"AND {sleep} IS NOT NULL AND serial_no = (SELECT min(serial_no) "
                         f"FROM v1_entries)",
        "balances_table": "v1_balances"}), v2=(server, tables("v2")))
    # from another process: connectorx holds the GIL while it reads
    killer = subprocess.Popen([sys.executable, "-c",
                               f"from tests import servers; "
                               f"servers.kill_sleeping(servers.Server({server.kind!r}, "
                               f"{server.port}, "
                               f"{server.user!r}, {server.database!r}, None, []))"],
                              cwd=Path(__file__).parent.parent)
    ledgers = Ledgers(tmp_path)
    run = _run(ledgers, "diff", "--date", DAYS[0], "--config", str(cfg))
    assert killer.wait(20) == 0
    assert run.exit_code == 3, run.stdout + run.stderr
    assert f"v1 {server.url()}: cannot read" in run.stderr
    con = open_state(ledgers.db)
    assert con.execute("SELECT count(*) FROM runs WHERE status = 'ok'").fetchone()[0] == 0


def test_config_refuses_what_it_cannot_honour(tmp_path, pg, my, password):
    ledgers = Ledgers(tmp_path)
    cases = {
        f'url = "{pg.url(password=True)}"\nentries_table = "e"\nbalances_table = "b"':
            "holds a password",
        f'url = "{pg.url()}"\nentries_query = "SELECT * FROM e"\nbalances_table = "b"':
            "has no :biz_date parameter",
        'url = "oracle://h/db"\nentries_table = "e"\nbalances_table = "b"':
            "is not a database URL",
        f'url = "{pg.url()}"\nentries_table = "e"': "no balances",
    }
    for body, expected in cases.items():
        (tmp_path / "c.toml").write_text(f"[sources.v1]\n{body}\n")
        run = _run(ledgers, "diff", "--date", DAYS[0], "--config", str(tmp_path / "c.toml"),
                   "--v2", str(tmp_path))
        assert run.exit_code == 2 and expected in run.stderr, (body, run.stderr)
        assert PASSWORD not in run.stderr
    # MariaDB cannot share one snapshot between Spark's parallel sessions: refused there
    # (PostgreSQL on Spark: tests/test_cluster.py)
    cfg = config(tmp_path / "my.toml", v1=(my, tables("v1")))
    run = _run(ledgers, "diff", "--date", DAYS[0], "--config", str(cfg), "--v2", str(tmp_path),
               "--engine", "spark")
    assert run.exit_code == 2 and "which only PostgreSQL can export" in run.stderr
    cfg = config(tmp_path / "db.toml", v1=(pg, tables("v1")))
    run = _run(ledgers, "diff", "--date", DAYS[0], "--config", str(cfg), "--v1", str(tmp_path),
               "--v2", str(tmp_path))
    assert run.exit_code == 2 and "leave out --v1" in run.stderr
    (tmp_path / "c.toml").write_text(cfg.read_text().replace("RECON_TEST_PASSWORD", "UNSET_PW"))
    run = _run(ledgers, "diff", "--date", DAYS[0], "--config", str(tmp_path / "c.toml"),
               "--v2", str(tmp_path))
    assert run.exit_code == 2 and "UNSET_PW is not set" in run.stderr


# -- helpers ------------------------------------------------------------------------------


def _literal(value) -> str:
    return "NULL" if value is None else f"'{value}'"


def test_the_readme_config_examples_are_valid(tmp_path):
    """Every TOML block of the README parses (beside the cut-over file it names), and
    the database example reads v1 from PostgreSQL and v2 from MySQL (no server needed)."""
    import re
    import tomllib

    from recon.config import parse_config

    readme = (Path(__file__).parent.parent / "README.md").read_text()
    blocks = re.findall(r"```toml\n(.*?)```", readme, re.S)
    (tmp_path / "cutover.csv").write_text("account_id,cutover_date\nA1,2026-11-02\n")
    configs = [parse_config(tomllib.loads(block), str(tmp_path / "recon.toml"))
               for block in blocks]
    assert any(c.cutover is not None for c in configs)
    databases = [c.databases for c in configs if len(c.databases) == 2]
    assert databases, "no example reads both systems from databases"
    v1, v2 = databases[0]["v1"], databases[0]["v2"]
    assert v1.url.startswith("postgresql://") and v2.url.startswith("mysql://")
    assert v2.reads["balances"][0] == "query" and ":biz_date" in v2.reads["balances"][1]
