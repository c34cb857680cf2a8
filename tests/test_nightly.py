"""The nightly job and the state across runs: reruns, worklist lifecycle, accept, lock,
crash safety, catch-up."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import duckdb
from click.testing import CliRunner
from conftest import Ledgers, entry, open_state
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from fixtures.generate import Spec, generate
from jobs.nightly import main as nightly_main
from recon.ops.schedule import plan, skipped

GOOD = [entry("001", amount="10.00"), entry("002", direction="D", amount="3.00")]
REPO = Path(__file__).resolve().parent.parent


def statuses(run) -> dict:
    return {(r["kind"], r["v1_serial_no"], r["v2_serial_no"]): r["status"]
            for r in run.worklist()}


def db_rows(ledgers, query, params=()):
    con = open_state(ledgers.db)
    try:
        return con.execute(query, list(params)).fetchall()
    finally:
        con.close()


def test_rerun_same_data_reopens_and_repair_resolves(ledgers):
    """Planted: 002 missing in v2. Rerun: same item, status open, no duplicates.
    After v2 is repaired and the date rerun: the item is resolved."""
    ledgers.entries("v1", GOOD)
    ledgers.entries("v2", GOOD[:1])
    first = ledgers.diff()
    assert set(statuses(first).values()) == {"new"}
    ids = {r["item_id"] for r in first.worklist()}
    second = ledgers.diff()
    assert {r["item_id"] for r in second.worklist()} == ids
    assert set(statuses(second).values()) == {"open"}
    assert db_rows(ledgers, "SELECT count(*), count(DISTINCT item_id) FROM worklist") == [
        (len(ids), len(ids))]
    assert db_rows(ledgers, "SELECT count(DISTINCT run_id) FROM findings") == [(1,)]

    ledgers.entries("v2", GOOD)  # repaired
    repaired = ledgers.diff()
    assert repaired.worklist() == [] and repaired.exit_code == 0
    assert repaired.summary()["resolved_by_this_run"] == len(ids)
    assert {s for (s,) in db_rows(ledgers, "SELECT status FROM worklist")} == {"resolved"}
    events = db_rows(ledgers, "SELECT from_status, to_status FROM worklist_events "
                              "WHERE item_id = ? ORDER BY changed_at, to_status",
                     [sorted(ids)[0]])
    assert events == [(None, "new"), ("new", "open"), ("open", "resolved")]


def test_account_item_keeps_its_id_and_first_seen_across_days(ledgers):
    """An unexplained balance difference that persists is one item, first seen day 1."""
    for day in ("2026-11-01", "2026-11-02"):
        ledgers.entries("v1", GOOD, day=day)
        ledgers.entries("v2", GOOD, day=day)
        ledgers.balances("v1", [{"account_id": "A1", "opening_balance": "0.00",
                                 "closing_balance": "7.00", "currency": "CNY"}], day=day)
        ledgers.balances("v2", [{"account_id": "A1", "opening_balance": "0.00",
                                 "closing_balance": "9.00", "currency": "CNY"}], day=day)
    ledgers.diff("--from", "2026-11-01", "--to", "2026-11-02")
    rows = db_rows(ledgers, "SELECT kind, status, first_seen::VARCHAR, last_seen::VARCHAR "
                            "FROM worklist WHERE kind = 'BALANCE_MISMATCH'")
    assert rows == [("BALANCE_MISMATCH", "open", "2026-11-01", "2026-11-02")]


def test_accept_then_reopen_when_the_impact_changes(ledgers):
    ledgers.entries("v1", GOOD)
    ledgers.entries("v2", [GOOD[0], entry("002", direction="D", amount="3.10")])
    item = next(r for r in ledgers.diff().worklist() if r["kind"] == "AMOUNT_MISMATCH")
    run = ledgers.invoke("worklist", "--db", str(ledgers.db), "accept", item["item_id"],
                         "--reason", "rounding agreed with finance", "--by", "alice")
    assert run.exit_code == 0, run.stderr
    assert "accepted by alice" in run.stdout
    again = {r["kind"]: r["status"] for r in ledgers.diff().worklist()}
    assert again["AMOUNT_MISMATCH"] == "accepted"

    ledgers.entries("v2", [GOOD[0], entry("002", direction="D", amount="3.20")])
    reopened = {r["kind"]: r["status"] for r in ledgers.diff().worklist()}
    assert reopened["AMOUNT_MISMATCH"] == "open"
    listed = ledgers.invoke("worklist", "--db", str(ledgers.db), "--kind", "AMOUNT_MISMATCH",
                            "--format", "json")
    assert listed.exit_code == 0, listed.stderr
    (row,) = json.loads(listed.stdout)
    assert (row["status"], row["accepted_by"], row["amount_impact"]) == ("open", "alice",
                                                                         "-0.20")


def test_worklist_filters_and_formats(ledgers):
    ledgers.entries("v1", [*GOOD, entry("003", amount="500.00")])
    ledgers.entries("v2", GOOD[:1])
    ledgers.diff()
    db = str(ledgers.db)
    table = ledgers.invoke("worklist", "--db", db)
    assert table.exit_code == 0 and table.stdout.startswith("item ")
    csv_out = ledgers.invoke("worklist", "--db", db, "--format", "csv", "--kind",
                             "MISSING_IN_V2", "--min-impact", "100")
    lines = csv_out.stdout.splitlines()
    assert len(lines) == 2 and ",-500.00," in lines[1]
    none = ledgers.invoke("worklist", "--db", db, "--status", "resolved")
    assert none.stdout == "no worklist items match\n"
    assert ledgers.invoke("worklist", "--db", db, "--min-impact", "x").exit_code == 2
    bad = ledgers.invoke("worklist", "--db", db, "accept", "nope", "--reason", "r")
    assert bad.exit_code == 2 and "no worklist item nope" in bad.stderr


HOLD = """
import sys, time
from recon.state import run_lock
with run_lock(sys.argv[1]):
    print("held", flush=True)
    time.sleep(60)
"""


def test_lock_names_the_holder_and_a_killed_holder_is_taken_over(ledgers):
    ledgers.entries("v1", GOOD)
    ledgers.entries("v2", GOOD)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(ledgers.db)],
                              stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "held"
        blocked = ledgers.diff()
        assert blocked.exit_code == 4
        assert f"pid {holder.pid} on " in blocked.stderr and " since " in blocked.stderr
    finally:
        holder.send_signal(signal.SIGKILL)
        holder.wait()
    assert ledgers.diff().exit_code == 0  # the dead holder's lock is taken over


def _recon(*args, **kw):
    return subprocess.Popen([sys.executable, "-m", "recon", *map(str, args)], cwd=REPO, **kw)


def test_killed_run_leaves_state_before_or_after_and_rerun_equals_clean_run(tmp_path):
    """SIGKILL a real `recon diff` at several moments; every time the state holds either
    none or all of the date, and a rerun gives the uninterrupted run's findings."""
    data = generate(tmp_path / "data", Spec(entries=150_000, accounts=5_000, days=1,
                                            breaks=3, junk=4, seed=7))
    args = ["diff", "--date", "2026-11-01", "--v1", data / "v1", "--v2", data / "v2",
            "--fail-on", "never"]
    clean_db, clean_out = tmp_path / "clean.duckdb", tmp_path / "clean-out"
    started = time.perf_counter()
    assert _recon(*args, "--db", clean_db, "--out", clean_out).wait() == 0
    duration = time.perf_counter() - started

    def worklist(out):
        return duckdb.connect().execute(
            f"SELECT * EXCLUDE (status, run_id) FROM read_parquet("
            f"'{out}/2026-11-01/worklist.parquet') ORDER BY item_id").fetchall()

    expected = worklist(clean_out)
    expected_evidence = open_state(clean_db).execute(
        "SELECT count(*) FROM evidence").fetchone()[0]
    assert expected_evidence > 0
    interrupted = 0
    for i, fraction in enumerate((0.3, 0.5, 0.65, 0.8, 0.95)):
        delay = fraction * duration
        db, out = tmp_path / f"k{i}.duckdb", tmp_path / f"k{i}-out"
        proc = _recon(*args, "--db", db, "--out", out)
        time.sleep(delay)
        proc.send_signal(signal.SIGKILL)
        proc.wait()
        if db.exists():
            con = open_state(db)
            n = con.execute("SELECT count(*) FROM evidence").fetchone()[0]
            done = con.execute("SELECT count(*) FROM runs WHERE status = 'succeeded'"
                               ).fetchone()[0]
            con.close()
            assert (n, done) in ((0, 0), (expected_evidence, 1)), (delay, n, done)
            interrupted += done == 0
        else:
            interrupted += 1
        if out.exists():
            assert [p.name for p in out.iterdir() if not p.name.startswith(".")] in (
                [], ["2026-11-01"])
        assert _recon(*args, "--db", db, "--out", out).wait() == 0
        assert worklist(out) == expected, delay
    assert interrupted, "no kill landed before the run committed: the test proved nothing"


def test_catch_up_plan():
    y = date(2026, 11, 10)
    assert plan(None, y, 7) == [y]
    assert plan(date(2026, 11, 7), y, 7) == [date(2026, 11, 8), date(2026, 11, 9), y]
    assert plan(y, y, 7) == []
    assert plan(date(2026, 10, 1), y, 3) == [date(2026, 11, d) for d in (7, 8, 9, 10)]
    assert skipped(date(2026, 11, 1), y, 3) == [date(2026, 11, d) for d in range(2, 7)]
    assert skipped(date(2026, 11, 7), y, 3) == [] == skipped(None, y, 3)


def test_dates_before_the_catch_up_window_are_said_and_not_quiet(ledgers, tmp_path):
    """Only 11-01 done; today 11-20 with catch_up_days 7: 11-12..11-19 run, and the log
    and the exit code say that 11-02..11-11 did not."""
    ledgers.entries("v1", GOOD, day="2026-11-01")
    ledgers.entries("v2", GOOD, day="2026-11-01")
    assert ledgers.diff(day="2026-11-01").exit_code == 0
    dry = _nightly(ledgers, "--today", "2026-11-20", "--dry-run")
    assert dry.stdout.splitlines()[0] == "2026-11-12"
    assert dry.stdout.splitlines()[-1] == (
        "not run: 10 date(s) missed since the last success fall before the catch-up window "
        "of 7 day(s): backfill them with recon diff --from 2026-11-02 --to 2026-11-11")
    for d in range(12, 20):
        ledgers.entries("v1", GOOD, day=f"2026-11-{d}")
        ledgers.entries("v2", GOOD, day=f"2026-11-{d}")
    ledgers.derived_balances()
    log = tmp_path / "n.jsonl"
    run = _nightly(ledgers, "--today", "2026-11-20", "--log", str(log), "--no-month-end")
    assert run.exit_code == 1
    first = json.loads(log.read_text().splitlines()[0])
    assert (first["status"], first["from"], first["to"], first["dates"]) == (
        "skipped", "2026-11-02", "2026-11-11", 10)


def _nightly(ledgers, *args):
    result = CliRunner().invoke(nightly_main, [
        "--v1", str(ledgers.v1), "--v2", str(ledgers.v2), "--out", str(ledgers.out),
        "--db", str(ledgers.db), *args])
    return result


def test_nightly_catches_up_missed_dates_in_order_and_logs_json(ledgers, tmp_path):
    """Last success 2026-11-01; today 2026-11-05 (yesterday 11-04): runs 11-02..11-04."""
    for d in range(1, 5):
        day = f"2026-11-0{d}"
        ledgers.entries("v1", GOOD, day=day)
        ledgers.entries("v2", GOOD if d != 3 else GOOD[:1], day=day)
    assert ledgers.diff(day="2026-11-01").exit_code == 0
    ledgers.derived_balances()
    dry = _nightly(ledgers, "--today", "2026-11-05", "--dry-run")
    assert dry.stdout.split() == ["2026-11-02", "2026-11-03", "2026-11-04"]
    log = tmp_path / "nightly.jsonl"
    run = _nightly(ledgers, "--today", "2026-11-05", "--log", str(log))
    assert run.exit_code == 1 and run.stdout == "" and run.stderr == ""
    lines = [json.loads(line) for line in log.read_text().splitlines()]
    assert [(x["biz_date"], x["status"], x["exit_code"]) for x in lines] == [
        ("2026-11-02", "succeeded", 0), ("2026-11-03", "succeeded", 1),
        ("2026-11-04", "succeeded", 0)]
    assert lines[1]["findings"] >= 1 and any(v != "0.00" for v in lines[1]["abs_impact"].values())
    assert _nightly(ledgers, "--today", "2026-11-05", "--dry-run").stdout == ""


def test_nightly_stops_with_exit_3_on_an_undelivered_partition(ledgers, tmp_path):
    ledgers.entries("v1", GOOD, day="2026-11-04")
    ledgers.entries("v2", GOOD, day="2026-11-03")  # v2 has not delivered 11-04 yet
    ledgers.derived_balances()
    run = _nightly(ledgers, "--today", "2026-11-05", "--log", str(tmp_path / "n.jsonl"))
    assert run.exit_code == 3
    assert "missing entries partition for v2 on 2026-11-04" in run.stderr
    line = json.loads((tmp_path / "n.jsonl").read_text())
    assert (line["status"], line["exit_code"]) == ("failed", 3)


def test_nightly_runs_the_month_end_check_after_a_months_last_date(tmp_path):
    def november(root: Path, *flags: str) -> tuple[int, list[dict], Ledgers]:
        ledgers = Ledgers(root)
        for day in ("2026-11-29", "2026-11-30"):
            ledgers.entries("v1", GOOD, day=day)
            ledgers.entries("v2", GOOD, day=day)
        assert ledgers.diff(day="2026-11-29").exit_code == 0
        ledgers.derived_balances()
        log = root / "nightly.jsonl"
        run = _nightly(ledgers, "--today", "2026-12-01", "--log", str(log), *flags)
        return run.exit_code, [json.loads(x) for x in log.read_text().splitlines()], ledgers

    code, (date_line, check), ledgers = november(tmp_path / "with")
    assert code == 1             # the month is not covered: 28 of its dates never ran
    assert (date_line["biz_date"], date_line["exit_code"]) == ("2026-11-30", 0)
    assert (check["month"], check["check"], check["verdict"]) == ("2026-11", "month-end",
                                                                  "FAIL")
    assert check["reasons"][0].startswith("coverage: 28 date(s) missing: 2026-11-01")
    summary = json.loads((ledgers.out / "month-end-2026-11" / "summary.json").read_text())
    assert len(summary["missing_dates"]) == 28

    code, lines, ledgers = november(tmp_path / "without", "--no-month-end")
    assert code == 0 and [x["biz_date"] for x in lines] == ["2026-11-30"]
    assert not (ledgers.out / "month-end-2026-11").exists()


@settings(max_examples=10, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(steps=st.lists(st.tuples(st.sampled_from(["2026-11-01", "2026-11-02"]),
                                st.booleans()), min_size=1, max_size=5))
def test_any_sequence_of_reruns_and_repairs_keeps_one_item_per_finding(tmp_path_factory,
                                                                       steps):
    """Each step (re)runs a date with v2 broken (002 missing) or repaired. Afterwards:
    one worklist row per item_id, and each entry item's status agrees with the latest
    run of its date: new/open if that run found it, resolved if not."""
    lg = Ledgers(tmp_path_factory.mktemp("seq"))
    latest: dict[str, bool] = {}
    for day, broken in steps:
        lg.entries("v1", GOOD, day=day)
        lg.entries("v2", GOOD[:1] if broken else GOOD, day=day)
        assert lg.diff(day=day).exit_code in (0, 1)
        latest[day] = broken
    con = open_state(lg.db)
    assert con.execute("SELECT count(*) - count(DISTINCT item_id) FROM worklist"
                       ).fetchone() == (0,)
    for day, broken in latest.items():
        rows = con.execute("SELECT status FROM worklist WHERE kind = 'MISSING_IN_V2' "
                           "AND biz_date = ?", [day]).fetchall()
        if broken:
            assert rows in ([("new",)], [("open",)]), (day, rows)
        else:
            assert rows in ([], [("resolved",)]), (day, rows)
    con.close()


def test_quiet_when_not_a_terminal(ledgers):
    """Under cron (stderr not a terminal) a clean run prints its one line, nothing more."""
    ledgers.entries("v1", GOOD)
    ledgers.entries("v2", GOOD)
    run = ledgers.diff()
    assert run.stderr == "" and run.stdout.count("\n") == 1


def test_the_worklist_shows_open_work_and_what_to_repair_in_120_columns(ledgers):
    """By default the work still to do, worst first; each item with both values, the
    impact and its currency, the side to fix and its days open (to the last date
    reconciled), the action on a line of its own; --all shows resolved items too."""
    for day in ("2026-11-01", "2026-11-02"):
        ledgers.entries("v1", [*GOOD, entry(f"{day[-2:]}9", amount="500.00",
                                            biz_order_no="order " * 30)], day=day)
        ledgers.entries("v2", GOOD[:1], day=day)
    ledgers.diff("--from", "2026-11-01", "--to", "2026-11-02")
    ledgers.entries("v2", [*GOOD, entry("029", amount="500.00", biz_order_no="order " * 30)],
                    day="2026-11-02")
    ledgers.diff("--date", "2026-11-02")
    db = str(ledgers.db)
    table = ledgers.invoke("worklist", "--db", db).stdout.splitlines()
    assert max(len(line) for line in table) <= 120
    rows = [line for line in table[1:-1] if not line.startswith("  ")]
    assert [r.split()[3] for r in rows] == ["MISSING_IN_V2", "MISSING_IN_V2"]
    assert rows[0].split()[1] == "P2"              # 500.00 first, then 3.00
    assert rows[0].split()[-4:] == ["-500.00", "CNY", "v2", "1"]   # 11-01 to 11-02
    assert table[2].startswith("  → post the missing entry in v2: C 500.00")
    everything = ledgers.invoke("worklist", "--db", db, "--all").stdout
    assert " resolved " in everything
    p2 = ledgers.invoke("worklist", "--db", db, "--severity", "P2", "--fix-side", "v2",
                        "--format", "csv").stdout.splitlines()
    assert len(p2) == 2 and ",P2," in p2[1]


def test_a_dry_run_with_missed_dates_exits_as_the_run_would(ledgers, tmp_path):
    ledgers.entries("v1", GOOD, day="2026-11-01")
    ledgers.entries("v2", GOOD, day="2026-11-01")
    ledgers.diff(day="2026-11-01")
    run = ledgers.invoke("nightly", "--v1", str(ledgers.v1), "--v2", str(ledgers.v2),
                         "--db", str(ledgers.db), "--out", str(ledgers.out), "--today",
                         "2026-11-30", "--dry-run")
    assert "not run:" in run.stdout
    assert run.exit_code == 1


def test_a_backfill_after_a_catch_up_mends_first_seen(ledgers):
    """An account item found on 11-04 first (a catch-up), then by a backfill of 11-01:
    it was first seen on 11-01, and its days open count from there."""
    for day in ("2026-11-01", "2026-11-04"):
        ledgers.entries("v1", GOOD, day=day)
        ledgers.entries("v2", GOOD, day=day)
        ledgers.balances("v1", [{"account_id": "A1", "opening_balance": "0.00",
                                 "closing_balance": "30.00", "currency": "CNY"}], day=day)
        ledgers.balances("v2", [{"account_id": "A1", "opening_balance": "0.00",
                                 "closing_balance": "31.00", "currency": "CNY"}], day=day)
    ledgers.diff(day="2026-11-04", derive_balances=False)
    ledgers.diff(day="2026-11-01", derive_balances=False)
    assert db_rows(ledgers, "SELECT kind, first_seen::VARCHAR FROM worklist "
                            "WHERE kind = 'BALANCE_MISMATCH'") == [
        ("BALANCE_MISMATCH", "2026-11-01")]
