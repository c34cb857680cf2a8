"""The state database as a thing that must never be damaged or mistaken (issue 25,
items 7-9): a newer recon's state is refused, a file that is not a state is refused and
nothing is left behind, a full disk is a usage error that leaves the state as before, a
state that cannot be written is said, never replaced."""

from __future__ import annotations

import json
import os
import subprocess
import uuid
from datetime import date
from pathlib import Path

import duckdb
import pytest
from click.testing import CliRunner
from conftest import catalog, entry, open_state
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import recon
from recon.cli import cli
from recon.state.schema import STATE_FORMAT


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


# -- unchanged dates are not recomputed (docs/interface.md §5) ------------------------------

DAYS3 = [date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)]
CHANGES = ("rewrite", "add", "remove", "touch")


def _range(data: Path, db: Path, out: Path, *extra: str):
    argv = ["diff", "--from", "2026-11-01", "--to", "2026-11-03", "--v1", str(data / "v1"),
            "--v2", str(data / "v2"), "--db", str(db), "--out", str(out), "--no-html",
            "--fail-on", "never", *extra]
    return CliRunner().invoke(cli, argv, catch_exceptions=False)


def _findings(db: Path) -> list[tuple]:
    return open_state(db).execute(
        "SELECT * EXCLUDE (run_id) FROM findings ORDER BY ALL").fetchall()


@given(changes=st.lists(st.tuples(st.sampled_from(("v1", "v2")),
                                  st.sampled_from(("entries", "balances")),
                                  st.integers(0, 2), st.sampled_from(CHANGES)), max_size=3),
       seed=st.integers(0, 2**16))
@settings(max_examples=5, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
def test_a_range_rerun_after_changes_equals_a_fresh_run(tmp_path_factory, changes, seed):
    """Random changes to random files of a three-date ledger (a file rewritten with other
    rows, a file added, a file removed, a file touched), then a range rerun on the old
    state: every date's findings are exactly those of a fresh run on the changed data,
    and a date nothing touched (nor a cut-off before it) is not recomputed."""
    from fixtures.generate import Spec, generate

    root = tmp_path_factory.mktemp("incremental")
    spec = Spec(start=DAYS3[0], days=3, entries=60, accounts=12, breaks=1, junk=1,
                balance_breaks=1, seed=seed, files=2, format="parquet")
    data = generate(root / "data", spec)
    other = generate(root / "other", Spec(**{**spec.__dict__, "seed": seed + 1}))
    _range(data, root / "state", root / "out")
    touched = set()
    for system, dataset, day, change in changes:
        part = data / system / dataset / f"biz_date={DAYS3[day]}"
        files = sorted(part.iterdir())
        replacement = sorted((other / system / dataset / part.name).iterdir())[0]
        if change == "rewrite":
            files[0].write_bytes(replacement.read_bytes())
        elif change == "add":
            (part / "added.parquet").write_bytes(replacement.read_bytes())
        elif change == "remove" and len(files) > 1:
            files[-1].unlink()
        else:
            files[0].write_bytes(files[0].read_bytes())   # same rows, a new mtime
            os.utime(files[0], ns=(1, 1))
        touched.add(DAYS3[day])
    runs_before = len(open_state(root / "state").execute("SELECT * FROM runs").fetchall())
    again = _range(data, root / "state", root / "out")
    assert again.exit_code == 0, again.stderr
    _range(data, root / "fresh", root / "fresh-out")
    assert _findings(root / "state") == _findings(root / "fresh")
    runs = len(open_state(root / "state").execute("SELECT * FROM runs").fetchall())
    assert runs - runs_before <= len(DAYS3)
    if not touched:
        assert runs == runs_before
        assert again.stdout.count("unchanged since run") == len(DAYS3)


def test_an_unchanged_date_keeps_its_exit_code_and_its_outputs_come_back(ledgers):
    """The second run of a date nothing changed says so, exits as the first did, and
    writes its output folder again when it was removed; --force recomputes it."""
    ledgers.entries("v1", [entry("001"), entry("002")])
    ledgers.entries("v2", [entry("001")])
    first = ledgers.diff()
    assert first.exit_code == 1
    (ledgers.out / "2026-11-01" / "report.md").unlink()
    second = ledgers.diff(derive_balances=False)     # not even the balance files rewritten
    assert second.exit_code == 1 and "unchanged since run" in second.stdout
    assert (ledgers.out / "2026-11-01" / "report.md").is_file()
    assert len(second.worklist()) == len(first.worklist())
    forced = ledgers.diff("--force", derive_balances=False)
    assert "unchanged since" not in forced.stdout and forced.exit_code == 1
    assert len(open_state(ledgers.db).execute("SELECT * FROM runs").fetchall()) == 2


def test_retention_drops_old_evidence_and_keeps_the_findings(ledgers, tmp_path):
    """[state] keep_evidence_days = 1: after a run of 11-03, 11-01's evidence and
    rejects are dropped; its findings, balances and aggregates stay, and explain still
    answers from them."""
    for day in ("2026-11-01", "2026-11-02", "2026-11-03"):
        ledgers.entries("v1", [entry("001"), entry("002"), entry("X", direction="Q")],
                        day=day)
        ledgers.entries("v2", [entry("001")], day=day)
    config = tmp_path / "recon.toml"
    config.write_text("[state]\nkeep_evidence_days = 1\n")
    ledgers.diff("--from", "2026-11-01", "--to", "2026-11-03", "--config", str(config))
    con = open_state(ledgers.db)
    kept = dict(con.execute("SELECT biz_date::VARCHAR, count(*) FROM evidence GROUP BY 1"
                            ).fetchall())
    assert set(kept) == {"2026-11-02", "2026-11-03"}
    assert con.execute("SELECT count(DISTINCT biz_date) FROM findings").fetchone() == (3,)
    assert con.execute("SELECT count(DISTINCT biz_date) FROM rejects").fetchone() == (2,)
    assert con.execute("SELECT count(DISTINCT biz_date) FROM daily_accounts").fetchone() == (3,)
    text = ledgers.invoke("explain", "--db", str(ledgers.db), "--date", "2026-11-01",
                          "--account", "A1").stdout
    assert "MISSING_IN_V2" in text


KILLED_AT = """
import os, signal, sys
point = sys.argv[1]
from recon.state import files
from recon.pipeline import publish

def killing(original):
    def wrapped(*args, **kwargs):
        result = original(*args, **kwargs)
        os.kill(os.getpid(), signal.SIGKILL)
        return result
    return wrapped

if point == "files":            # the date's files written, the catalog not yet
    files.write = killing(files.write)
elif point == "publish":        # committed; the outputs' folder moved into place
    publish.publish = killing(publish.publish)
elif point == "retention":      # the catalog says dropped, the files not yet gone
    files.drop = killing(files.drop)

from recon.cli import main
sys.argv = ["recon", *sys.argv[2:]]
main()
"""


@pytest.mark.parametrize("point", ["files", "publish", "retention"])
def test_a_run_killed_in_its_commit_publication_or_retention_leaves_before_or_after(
        tmp_path, point):
    """SIGKILL at the moments between the date's files, its catalog transaction, its
    outputs' publication and the retention after it: the state is the one before or the
    one after, a reader reads it, and the next run's results equal an uninterrupted
    run's."""
    import sys

    from tests.conftest import Ledgers

    ledgers = Ledgers(tmp_path / "ledgers")
    for day in ("2026-11-01", "2026-11-02", "2026-11-03"):
        ledgers.entries("v1", [entry("001"), entry("002")], day=day)
        ledgers.entries("v2", [entry("001")], day=day)
    ledgers.derived_balances()
    config = tmp_path / "recon.toml"
    config.write_text("[state]\nkeep_evidence_days = 1\n")
    common = ["--v1", str(ledgers.v1), "--v2", str(ledgers.v2), "--no-html", "--config",
              str(config)]
    clean = CliRunner().invoke(cli, ["diff", "--from", "2026-11-01", "--to", "2026-11-03",
                                     "--db", str(tmp_path / "clean"), "--out",
                                     str(tmp_path / "clean-out"), *common])
    assert clean.exit_code == 1, clean.stderr
    db, out = tmp_path / "state", tmp_path / "out"
    first = CliRunner().invoke(cli, ["diff", "--from", "2026-11-01", "--to", "2026-11-02",
                                     "--db", str(db), "--out", str(out), *common])
    assert first.exit_code == 1
    killed = subprocess.run([sys.executable, "-c", KILLED_AT, point, "diff", "--date",
                             "2026-11-03", "--db", str(db), "--out", str(out), *common],
                            cwd=Path(__file__).parent.parent, capture_output=True, text=True,
                            timeout=120)
    assert killed.returncode == -9, killed.stderr
    done = {d for (d,) in open_state(db).execute(
        "SELECT DISTINCT biz_date::VARCHAR FROM findings").fetchall()}
    assert done in ({"2026-11-01", "2026-11-02"}, {"2026-11-01", "2026-11-02", "2026-11-03"})
    rerun = CliRunner().invoke(cli, ["diff", "--from", "2026-11-01", "--to", "2026-11-03",
                                     "--db", str(db), "--out", str(out), *common])
    assert rerun.exit_code == 1, rerun.stderr
    assert _findings(db) == _findings(tmp_path / "clean")
    for day in ("2026-11-01", "2026-11-02", "2026-11-03"):
        assert sorted(p.name for p in (out / day).iterdir()) == sorted(
            p.name for p in (tmp_path / "clean-out" / day).iterdir())


def test_state_schema_is_versioned(ledgers):
    good = [entry("001", amount="10.00"), entry("002", direction="D", amount="3.00")]

    def db_rows(query):
        con = open_state(ledgers.db)
        try:
            return con.execute(query).fetchall()
        finally:
            con.close()

    ledgers.entries("v1", good)
    ledgers.entries("v2", good)
    ledgers.diff()
    assert db_rows("SELECT value FROM meta WHERE key = 'state_format'") == [
        (str(STATE_FORMAT),)]
    assert STATE_FORMAT == 8    # 2: daily aggregates; 3: evidence; 4: timing matches;
    #                             5: pair_no in the evidence; 6: a folder, catalog + files;
    #                             7: record (cut-over); 8: lineage_errors in the run log
    inputs = json.loads(db_rows("SELECT inputs FROM runs")[0][0])
    assert set(inputs) == {"v1/entries", "v2/entries", "v1/balances", "v2/balances"}
    assert all({"path", "size", "mtime_ns", "rows"} <= set(f) for f in inputs["v1/entries"])
    assert [f["rows"] for f in inputs["v1/entries"]] == [len(good)]
