"""The state database as a thing that must never be damaged or mistaken (issue 25,
items 7-9): a newer recon's state is refused, a file that is not a state is refused and
nothing is left behind, a full disk is a usage error that leaves the state as before, a
state that cannot be written is said, never replaced."""

from __future__ import annotations

import os
import subprocess
import uuid
from datetime import date
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from conftest import catalog, entry, open_state

import recon
from recon.cli import cli


def _files(folder: Path) -> set[str]:
    return {p.name for p in folder.iterdir()}


def test_a_state_from_a_newer_recon_is_refused_by_every_command(ledgers):
    ledgers.entries("v1", [entry("001")])
    ledgers.entries("v2", [entry("001")])
    assert ledgers.diff().exit_code == 0
    con = catalog(ledgers.db)
    con.execute("UPDATE meta SET value = '99' WHERE key = 'state_format'")
    con.close()
    for argv in (["diff", "--date", "2026-11-01", "--v1", str(ledgers.v1), "--v2",
                  str(ledgers.v2), "--out", str(ledgers.out)],
                 ["worklist"], ["explain", "--date", "2026-11-01", "--account", "A1"],
                 ["status"], ["month-end", "--month", "2026-11", "--out", str(ledgers.out)]):
        run = ledgers.invoke(*argv, "--db", str(ledgers.db))
        assert run.exit_code == 2, (argv, run.stderr)
        assert "schema version 99" in run.stderr and "this recon reads" in run.stderr, argv
    con = catalog(ledgers.db)
    assert con.execute("SELECT value FROM meta WHERE key = 'state_format'").fetchall() == [
        ("99",)]


def test_a_file_that_is_not_a_state_is_refused_and_nothing_is_left_behind(ledgers):
    ledgers.entries("v1", [entry("001")])
    ledgers.entries("v2", [entry("001")])
    ledgers.db.parent.mkdir(parents=True, exist_ok=True)
    ledgers.db.write_bytes(os.urandom(50_000))
    before = _files(ledgers.root)
    run = ledgers.diff()
    assert run.exit_code == 2, run.stderr
    assert f"{ledgers.db}" in run.stderr
    assert _files(ledgers.root) - before <= {"recon.duckdb.lock"}
    ledgers.db.unlink()                       # replaced: the next run simply works
    assert ledgers.diff().exit_code == 0


def test_a_state_that_cannot_be_written_is_said_and_never_replaced(ledgers):
    ledgers.entries("v1", [entry("001")])
    ledgers.entries("v2", [entry("001")])
    assert ledgers.diff().exit_code == 0
    ledgers.db.chmod(0o444)     # a person made it read-only (root could still write it)
    run = ledgers.diff()
    assert run.exit_code == 2 and "cannot be written" in run.stderr, run.stderr
    assert ledgers.db.stat().st_mode & 0o777 == 0o444


@pytest.fixture
def small_disk(tmp_path):
    """A 16 MB file system of its own (tmpfs; needs root), unmounted after."""
    mount = tmp_path / f"disk-{uuid.uuid4().hex[:6]}"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small tmpfs: {done.stderr.decode().strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def test_a_full_disk_is_exit_2_naming_it_and_leaves_the_state_as_before(ledgers, small_disk):
    """--db and --out on a 16 MB disk: the first date fits, the second (bigger) does not.
    The second run is exit 2 saying "no space left", leaves no staging folder, no
    partial state file, and the state as the first run left it."""
    ledgers.entries("v1", [entry("001")], day="2026-11-01")
    ledgers.entries("v2", [entry("001")], day="2026-11-01")
    rows = [entry(f"{i:06d}", biz_order_no=f"order-{i:06d}-" + "x" * 60) for i in range(60000)]
    ledgers.entries("v1", rows, day="2026-11-02")
    ledgers.entries("v2", [], day="2026-11-02")
    ledgers.derived_balances()
    db, out = small_disk / "recon.duckdb", small_disk / "out"
    first = ledgers.invoke("diff", "--date", "2026-11-01", "--v1", str(ledgers.v1), "--v2",
                           str(ledgers.v2), "--out", str(out), "--db", str(db), "--no-html")
    if first.exit_code == 2 and "no space left" in first.stderr:
        pytest.skip("the first date does not fit either")
    assert first.exit_code == 0, first.stderr
    before = recon.open(db).frame("SELECT biz_date, status FROM runs ORDER BY started_at")
    run = ledgers.invoke("diff", "--date", "2026-11-02", "--v1", str(ledgers.v1), "--v2",
                         str(ledgers.v2), "--out", str(out), "--db", str(db), "--no-html")
    assert run.exit_code == 2, run.stderr
    assert "no space left" in run.stderr.lower()
    assert f"recon: {small_disk}/" in run.stderr
    assert not [p for p in out.iterdir() if p.name.startswith(".")]
    leftovers = _files(small_disk) - {"recon.duckdb", "recon.duckdb.lock", "out",
                                      "recon.duckdb.wal"}
    assert not leftovers, leftovers
    after = recon.open(db).frame("SELECT biz_date, status FROM runs ORDER BY started_at "
                                 "LIMIT 1")
    assert after.rows() == before.rows()


# -- the state that lives for years (issue 27) ---------------------------------------------

STATE_V4 = Path(__file__).parent / "data" / "state-v4"


@pytest.fixture
def schema4(tmp_path) -> Path:
    """The schema-4 release's state file (tests/data/state-v4/README.md), with its ledger."""
    import gzip
    import shutil

    for system in ("v1", "v2"):
        shutil.copytree(STATE_V4 / system, tmp_path / "ledger" / system)
    db = tmp_path / "recon.duckdb"
    with gzip.open(STATE_V4 / "recon.duckdb.gz", "rb") as packed, open(db, "wb") as out:
        shutil.copyfileobj(packed, out)
    return db


def test_a_schema_4_state_is_converted_on_first_use_and_nothing_is_lost(schema4, tmp_path):
    """Every row of every table of the old file is in the converted state, the file is
    kept beside it, and the state goes on: a rerun of a date works on it and keeps the
    acceptance the old state held."""
    old = duckdb.connect(str(schema4), read_only=True)
    before = {table: sorted(old.execute(f"SELECT * FROM {table}").fetchall(), key=repr)
              for table in ("runs", "worklist", "worklist_events", "timing_matches",
                            "findings", "evidence", "balances", "rejects",
                            "daily_accounts", "daily_flows")}
    columns = {table: [d[0] for d in old.execute(f"SELECT * FROM {table} LIMIT 0").description]
               for table in before}
    old.close()
    assert recon.open(schema4).last_success() == date(2026, 11, 1)   # a reader converts
    assert schema4.is_dir()
    assert (tmp_path / "recon.duckdb.schema4.bak").is_file()
    con = open_state(schema4)
    for table, rows in before.items():
        after = con.execute(f"SELECT {', '.join(columns[table])} FROM {table}").fetchall()
        assert sorted(after, key=repr) == rows, table
        assert rows or table == "rejects", f"the fixture's {table} is empty: it proves nothing"
    accepted = con.execute("SELECT item_id FROM worklist WHERE status = 'accepted'").fetchall()
    assert len(accepted) == 1
    ledger = tmp_path / "ledger"
    rerun = CliRunner().invoke(cli, ["diff", "--date", "2026-10-31", "--v1", str(ledger / "v1"),
                                     "--v2", str(ledger / "v2"), "--db", str(schema4),
                                     "--out", str(tmp_path / "out"), "--no-html"])
    assert rerun.exit_code == 1, rerun.stderr
    con = open_state(schema4)
    assert con.execute("SELECT item_id FROM worklist WHERE status = 'accepted'"
                       ).fetchall() == accepted
    assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == len(before["runs"]) + 1
