"""Results that never mislead (issue 17): balance currencies compared, actions that
agree with the data, and a rerun of an earlier date that leaves alone what a later
date settled."""

from __future__ import annotations

from conftest import DAY, catalog, entry, open_state

D2 = "2026-11-02"


def balance(account, opening, closing, currency="CNY"):
    return {"account_id": account, "opening_balance": opening, "closing_balance": closing,
            "currency": currency}


def test_balance_rows_in_two_currencies_are_a_currency_mismatch(ledgers):
    ledgers.entries("v1", [entry("001")])
    ledgers.entries("v2", [entry("001")])
    ledgers.balances("v1", [balance("A1", "60.00", "70.00")])
    ledgers.balances("v2", [balance("A1", "60.00", "70.00", "USD")])
    (item,) = ledgers.diff().worklist()
    assert (item["kind"], item["field"], item["v1_value"], item["v2_value"],
            item["severity"]) == ("ACCOUNT_CURRENCY_MISMATCH", "currency", "CNY", "USD", "P1")
    assert item["suggested_action"] == "set the account's currency in v2 to v1's CNY (v2 has USD)"


def test_an_account_with_entries_is_never_told_to_be_opened_or_closed(ledgers):
    """v1's balance file is header-only: v1 has entries for A1 but no balance row."""
    ledgers.entries("v1", [entry("001")])
    ledgers.entries("v2", [entry("001")])
    ledgers.balances("v1", [])
    ledgers.balances("v2", [balance("A1", "0.00", "10.00")])
    actions = {r["kind"]: r["suggested_action"] for r in ledgers.diff().worklist()}
    assert actions["ACCOUNT_MISSING_IN_V1"] == (
        "v1 has the account (no balance row, 1 entries): deliver v1's day-end balance row "
        "(BALANCE_ROW_MISSING)")
    assert actions["BALANCE_ROW_MISSING"] == "deliver the day-end balance row of the account in v1"


def test_an_extra_copy_and_its_duplicate_agree(ledgers):
    ledgers.entries("v1", [entry("001"), entry("001")])
    ledgers.entries("v2", [entry("001")])
    actions = {r["kind"]: r["suggested_action"] for r in ledgers.diff().worklist()}
    assert actions["MISSING_IN_V2"].startswith(
        "v1 has serial 001 more than once (DUPLICATE_SERIAL): remove this extra copy")
    assert actions["DUPLICATE_SERIAL"] == (
        "remove the extra copies of serial 001 in v1 (each is also a MISSING_IN_* item)")


def test_a_rerun_of_an_earlier_date_does_not_reopen_what_a_later_date_settled(ledgers):
    """A1's v2 roll-forward breaks on 11-01 (a P1 account item); 11-02 is clean, so its
    run resolves the item. A late rerun of 11-01 finds it again: it stays resolved."""
    for day in (DAY, D2):
        ledgers.entries("v1", [entry(f"{day[-2:]}1")], day=day)
        ledgers.entries("v2", [entry(f"{day[-2:]}1")], day=day)
        ledgers.balances("v1", [balance("A1", "0.00", "10.00")], day=day)
    ledgers.balances("v2", [balance("A1", "0.00", "11.00")], day=DAY)
    ledgers.balances("v2", [balance("A1", "0.00", "10.00")], day=D2)
    ledgers.diff("--from", DAY, "--to", D2)
    ledgers.diff("--date", DAY)
    con = open_state(ledgers.db)
    statuses = con.execute("SELECT kind, status, resolved_on::VARCHAR FROM worklist "
                           "ORDER BY kind").fetchall()
    assert ("ROLLFORWARD_BREAK", "resolved", D2) in statuses
    assert all(status == "resolved" for _, status, _ in statuses), statuses


def test_accepted_findings_do_not_fail_the_run_and_acceptances_are_kept(ledgers):
    ledgers.entries("v1", [entry("001", amount="10.00")])
    ledgers.entries("v2", [entry("001", amount="10.00", biz_type="FEE")])
    ledgers.derived_balances()
    (item,) = ledgers.diff().worklist()
    for who, why in (("alice", "entity mapping agreed"), ("bob", "confirmed by finance")):
        run = ledgers.invoke("worklist", "--db", str(ledgers.db), "accept", item["item_id"],
                             "--reason", why, "--by", who)
        assert run.exit_code == 0, run.stderr
    run = ledgers.diff()
    assert run.exit_code == 0
    summary = run.summary()
    assert (summary["verdict"], summary["findings_total"], summary["accepted"]) == (
        "clean", 1, 1)
    assert "1 accepted" in run.stdout
    con = open_state(ledgers.db)
    notes = con.execute("SELECT note FROM worklist_events WHERE to_status = 'accepted' "
                        "ORDER BY changed_at, note").fetchall()
    assert notes == [("by alice: entity mapping agreed",), ("by bob: confirmed by finance",)]


def test_totals_are_per_currency_and_amounts_carry_their_currency(ledgers):
    """A CNY account and a USD account, each 10.00 short in v2: nothing adds them."""
    ledgers.entries("v1", [entry("001", amount="10.00"),
                           {**entry("002", account_id="B1", amount="10.00"), "currency": "USD"}])
    ledgers.entries("v2", [])
    ledgers.balances("v1", [balance("A1", "0.00", "10.00"), balance("B1", "0.00", "10.00", "USD")])
    ledgers.balances("v2", [balance("A1", "0.00", "0.00"), balance("B1", "0.00", "0.00", "USD")])
    run = ledgers.diff()
    summary = run.summary()
    assert summary["abs_impact"]["MISSING_IN_V2"] == {"CNY": "10.00", "USD": "10.00"}
    assert summary["balances"]["difference_abs"] == {"CNY": "10.00", "USD": "10.00"}
    report = (run.out / DAY / "report.md").read_text()
    assert "| MISSING_IN_V2 | 2 | CNY 10.00; USD 10.00 |" in report
    listed = ledgers.invoke("worklist", "--db", str(ledgers.db), "--kind", "MISSING_IN_V2")
    assert "-10.00 USD v2" in listed.stdout and "-10.00 CNY v2" in listed.stdout


def test_accepting_in_a_missing_database_creates_nothing(ledgers):
    db = ledgers.root / "typo.duckdb"
    run = ledgers.invoke("worklist", "--db", str(db), "accept", "abc", "--reason", "x")
    assert run.exit_code == 2
    assert run.stderr == f"recon: {db}: state database not found (run `recon diff` first)\n"
    assert not db.exists() and not db.with_name("typo.duckdb.lock").exists()


def test_a_run_killed_between_commit_and_publication_is_published_by_the_next(ledgers):
    """The state says 11-01 succeeded but its folder was never moved into place (the
    kill came between the two); a failed run left its staging folder. The next run
    publishes the one and removes the other."""
    for day in (DAY, D2):
        ledgers.entries("v1", [entry(f"{day[-2:]}1")], day=day)
        ledgers.entries("v2", [entry(f"{day[-2:]}1")], day=day)
    ledgers.diff("--date", DAY)
    con = catalog(ledgers.db)
    (run_id,) = con.execute("SELECT run_id FROM runs").fetchone()
    con.execute("UPDATE runs SET published_at = NULL")
    con.close()
    staged = ledgers.out / f".{DAY}.{run_id}.tmp"
    (ledgers.out / DAY).rename(staged)
    stale = ledgers.out / f".{D2}.20261102-000000-dead00.tmp"
    stale.mkdir()
    ledgers.diff("--date", D2)
    assert (ledgers.out / DAY / "summary.json").exists()
    assert sorted(p.name for p in ledgers.out.iterdir()) == [DAY, D2]
    con = open_state(ledgers.db)
    assert con.execute("SELECT count(*) FROM runs WHERE published_at IS NULL").fetchone() == (0,)


def test_readers_are_not_blocked_while_a_run_writes(ledgers):
    """A writer holds the catalog's write lock with a change not yet committed; another
    process reads the state: the last committed state, not an error; after the commit,
    the new one."""
    import subprocess
    import sys

    ledgers.entries("v1", [entry("001"), entry("002")])
    ledgers.entries("v2", [entry("001")])
    ledgers.diff()
    writing = catalog(ledgers.db)
    try:
        writing.execute("BEGIN IMMEDIATE")
        writing.execute("DELETE FROM worklist")                # not committed
        listed = subprocess.run(
            [sys.executable, "-m", "recon", "worklist", "--db", str(ledgers.db),
             "--format", "csv"], capture_output=True, text=True, timeout=60)
        assert listed.returncode == 0, listed.stderr
        assert "MISSING_IN_V2" in listed.stdout
        writing.execute("COMMIT")
        listed = subprocess.run(
            [sys.executable, "-m", "recon", "worklist", "--db", str(ledgers.db)],
            capture_output=True, text=True, timeout=60)
        assert listed.stdout == "no worklist items match\n"
    finally:
        writing.close()


def test_an_account_on_one_side_only_shows_its_whole_difference_unexplained(ledgers):
    """v2 has no balance row for A1: the waterfall and the report give the closing
    difference (the missing row counts as 0) as unexplained, carried in as unknown."""
    ledgers.entries("v1", [entry("001")])
    ledgers.entries("v2", [entry("001")])
    ledgers.balances("v1", [balance("A1", "90.00", "100.00")])
    ledgers.balances("v2", [balance("B1", "0.00", "0.00")])
    run = ledgers.diff()
    text = ledgers.invoke("explain", "--date", DAY, "--account", "A1", "--db",
                          str(ledgers.db)).stdout
    closing = next(line for line in text.splitlines() if line.startswith("closing balance"))
    assert closing.split()[-2:] == ["—", "-100.00"]
    residual = next(line for line in text.splitlines() if line.startswith("residual"))
    assert residual.split()[1:] == ["-100.00", "UNEXPLAINED", "(no", "v2", "balance", "row)"]
    opening = next(line for line in text.splitlines() if line.startswith("opening balance"))
    assert opening.split()[2:] == ["90.00", "carried", "in"]      # nothing carried: unknown
    report = (run.out / DAY / "report.md").read_text()
    assert "| A1 | CNY | 2 | 100.00 | — | -100.00 |  | 0.00 | -100.00 (no v2 balance row) |" \
        in report
