"""Balances (docs/interface.md §3): roll-forward, cross-system difference, attribution, explain."""

from __future__ import annotations

import json
import os
from decimal import Decimal as D
from pathlib import Path

from conftest import Ledgers, entry
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from recon.contract import ACCOUNT_KINDS

GOLDEN = Path(__file__).parent / "golden"
ENTRIES = [entry("001", amount="100.00"), entry("002", direction="D", amount="30.00")]


def bal(account, opening, closing, currency="CNY"):
    return {"account_id": account, "opening_balance": opening, "closing_balance": closing,
            "currency": currency}


def account_rows(run):
    return {(r["kind"], r["system"], r["account_id"], r["amount_impact"], r["residual"])
            for r in run.worklist() if r["kind"] in ACCOUNT_KINDS}


def test_difference_fully_explained_by_entry_findings(any_format_ledgers):
    """Planted: v2 lacks 002 (D 30.00); both roll forward. Closing differs by +30.00,
    all of it explained by the MISSING_IN_V2: residual 0."""
    lg = any_format_ledgers
    lg.entries("v1", ENTRIES)
    lg.entries("v2", ENTRIES[:1])
    lg.balances("v1", [bal("A1", "0.00", "70.00")])
    lg.balances("v2", [bal("A1", "0.00", "100.00")])
    run = lg.diff()
    assert account_rows(run) == {("BALANCE_MISMATCH", None, "A1", D("30.00"), D("0.00"))}
    row = next(r for r in run.worklist() if r["kind"] == "BALANCE_MISMATCH")
    assert row["severity"] == "P2"
    summary = run.summary()["balances"]
    assert (summary["accounts_differing"], summary["accounts_unexplained"]) == (1, 0)
    assert (summary["explained_abs"], summary["unexplained_abs"]) == (
        {"CNY": "30.00"}, {"CNY": "0.00"})


def test_difference_carried_in_from_opening(ledgers):
    """Planted: v2 opened 10.00 higher; entries agree. Residual 0: carried in."""
    ledgers.entries("v1", ENTRIES)
    ledgers.entries("v2", ENTRIES)
    ledgers.balances("v1", [bal("A1", "100.00", "170.00")])
    ledgers.balances("v2", [bal("A1", "110.00", "180.00")])
    assert account_rows(ledgers.diff()) == {
        ("BALANCE_MISMATCH", None, "A1", D("10.00"), D("0.00"))}


def test_unexplained_difference_is_the_residual_and_p1(ledgers):
    """Planted: v2 closes 5.00 higher with the same entries: v2's roll-forward breaks by
    +5.00 and the balance difference has residual +5.00, unexplained, P1."""
    ledgers.entries("v1", ENTRIES)
    ledgers.entries("v2", ENTRIES)
    ledgers.balances("v1", [bal("A1", "0.00", "70.00")])
    ledgers.balances("v2", [bal("A1", "0.00", "75.00")])
    run = ledgers.diff()
    assert account_rows(run) == {
        ("BALANCE_MISMATCH", None, "A1", D("5.00"), D("5.00")),
        ("ROLLFORWARD_BREAK", "v2", "A1", D("5.00"), None),
    }
    assert {r["severity"] for r in run.worklist()} == {"P1"}
    assert "unexplained CNY 5.00 in 1 account(s)" in run.stdout


def test_rollforward_break_on_v1(ledgers):
    """Planted: v1 closes at 65.00 where its entries give 70.00: ROLLFORWARD_BREAK v1 with
    −5.00 (fix_side v1), and v2 − v1 closing = +5.00 unexplained."""
    ledgers.entries("v1", ENTRIES)
    ledgers.entries("v2", ENTRIES)
    ledgers.balances("v1", [bal("A1", "0.00", "65.00")])
    ledgers.balances("v2", [bal("A1", "0.00", "70.00")])
    run = ledgers.diff()
    assert account_rows(run) == {
        ("BALANCE_MISMATCH", None, "A1", D("5.00"), D("5.00")),
        ("ROLLFORWARD_BREAK", "v1", "A1", D("-5.00"), None),
    }
    rf = next(r for r in run.worklist() if r["kind"] == "ROLLFORWARD_BREAK")
    assert rf["fix_side"] == "v1"
    assert rf["v1_value"] == "opening 0.00 + entries 70.00 <> closing 65.00"


def test_account_on_one_side_only_and_balance_row_missing(ledgers):
    """Planted: A9 has a v1 balance only; Z1 a v2 balance only; A1 has entries in v2 but
    no v2 balance row (so also ACCOUNT_MISSING_IN_V2)."""
    ledgers.entries("v1", ENTRIES)
    ledgers.entries("v2", ENTRIES)
    ledgers.balances("v1", [bal("A1", "0.00", "70.00"), bal("A9", "5.00", "5.00")])
    ledgers.balances("v2", [bal("Z1", "1.50", "1.50")])
    assert account_rows(ledgers.diff()) == {
        ("ACCOUNT_MISSING_IN_V2", None, "A1", D("-70.00"), None),
        ("ACCOUNT_MISSING_IN_V2", None, "A9", D("-5.00"), None),
        ("ACCOUNT_MISSING_IN_V1", None, "Z1", D("1.50"), None),
        ("BALANCE_ROW_MISSING", "v2", "A1", D("0.00"), None),
    }


def test_duplicate_balance_rows_are_rejected(ledgers):
    ledgers.entries("v1", ENTRIES)
    ledgers.entries("v2", ENTRIES)
    ledgers.balances("v1", [bal("A1", "0.00", "70.00")])
    ledgers.balances("v2", [bal("A1", "0.00", "70.00"), bal("A1", "0.00", "71.00"),
                            bal("A2", "x", "1.00")])
    run = ledgers.diff()
    assert sorted((r["dataset"], r["source_row"], r["reason"]) for r in run.rejects()) == [
        ("balances", 1, "duplicate balance row for account"),
        ("balances", 2, "duplicate balance row for account"),
        ("balances", 3, "unparseable opening_balance"),
    ]
    assert run.summary()["systems"]["v2"]["balance_rows_rejected"] == 3


def test_missing_balances_partition_is_an_input_error(ledgers):
    ledgers.entries("v1", ENTRIES)
    ledgers.entries("v2", ENTRIES)
    ledgers.balances("v1", [bal("A1", "0.00", "70.00")])
    run = ledgers.diff(derive_balances=False)
    assert run.exit_code == 3
    assert "missing balances partition for v2 on 2026-11-01" in run.stderr


money = st.integers(-10**8, 10**8).map(lambda c: D(c).scaleb(-2))
entries_strategy = st.lists(
    st.tuples(st.sampled_from(["A1", "A2", "A3"]), st.sampled_from(["001", "002", "003", "004"]),
              st.sampled_from("CD"), st.integers(1, 10**6), st.sampled_from([None, "O1", "O2"])),
    min_size=1, max_size=12)


def _rows(spec):
    return [entry(s, account_id=a, direction=d, amount=f"{D(c).scaleb(-2):.2f}",
                  biz_order_no=o) for a, s, d, c, o in spec]


def _clean_balances(rows, openings):
    closing = dict(openings)
    for r in rows:
        sign = 1 if r["direction"] == "C" else -1
        closing[r["account_id"]] += sign * D(r["amount"])
    return [bal(a, f"{openings[a]:.2f}", f"{closing[a]:.2f}") for a in sorted(openings)]


@settings(max_examples=25, deadline=None,
          suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(v1=entries_strategy, v2=entries_strategy,
       open1=st.fixed_dictionaries({a: money for a in ("A1", "A2", "A3")}),
       open2=st.fixed_dictionaries({a: money for a in ("A1", "A2", "A3")}),
       delta=money, target=st.sampled_from(["A1", "A2", "A3"]))
def test_attribution_law(tmp_path_factory, v1, v2, open1, open2, delta, target):
    """With clean roll-forwards every residual is exactly 0 and the closing difference
    = carried + Σ entry impacts; a delta planted on one v2 closing is exactly its
    residual."""
    lg = Ledgers(tmp_path_factory.mktemp("law"))
    rows1, rows2 = _rows(v1), _rows(v2)
    lg.entries("v1", rows1)
    lg.entries("v2", rows2)
    lg.balances("v1", _clean_balances(rows1, open1))
    b2 = _clean_balances(rows2, open2)
    for b in b2:
        if b["account_id"] == target:
            b["closing_balance"] = f"{D(b['closing_balance']) + delta:.2f}"
    lg.balances("v2", b2)
    run = lg.diff()
    worklist = run.worklist()
    impacts = {a: sum((r["amount_impact"] for r in worklist if r["account_id"] == a
                       and r["kind"] not in ACCOUNT_KINDS), D(0)) for a in open1}
    mismatches = {r["account_id"]: r for r in worklist if r["kind"] == "BALANCE_MISMATCH"}
    for a in open1:
        close1 = D(next(b for b in _clean_balances(rows1, open1) if b["account_id"] == a)
                   ["closing_balance"])
        close2 = D(next(b for b in b2 if b["account_id"] == a)["closing_balance"])
        planted = delta if a == target else D(0)
        assert close2 - close1 == (open2[a] - open1[a]) + impacts[a] + planted
        if close2 != close1:
            assert mismatches[a]["residual"] == planted
            assert mismatches[a]["amount_impact"] == close2 - close1
        else:
            assert a not in mismatches


def _golden(name: str, text: str) -> None:
    path = GOLDEN / name
    if os.environ.get("RECON_UPDATE_GOLDEN"):
        path.parent.mkdir(exist_ok=True)
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs (RECON_UPDATE_GOLDEN=1)"


def _explain_ledgers(ledgers):
    """A1: carried in 10.00, a missing entry (+30.00), an amount difference (+0.50), a
    serial mismatch, a field difference, and 4.50 nobody explains."""
    ledgers.entries("v1", [*ENTRIES, entry("003", amount="5.00", posted_at="2026-11-01 11:00:00"),
                           entry("004", amount="1.00", posted_at="2026-11-01 12:00:00",
                                 legal_entity=None),
                           entry("005", amount="2.00", posted_at="2026-11-01 13:00:00")])
    ledgers.entries("v2", [ENTRIES[0],
                           entry("003", amount="5.50", posted_at="2026-11-01 11:00:00"),
                           entry("004", amount="1.00", posted_at="2026-11-01 12:00:00"),
                           entry("905", amount="2.00", posted_at="2026-11-01 13:00:00",
                                 biz_order_no="O-005")])
    ledgers.balances("v1", [bal("A1", "100.00", "178.00")])
    ledgers.balances("v2", [bal("A1", "110.00", "223.00")])
    assert ledgers.diff().exit_code == 1


def test_explain_golden_text_and_json(ledgers):
    _explain_ledgers(ledgers)
    text = ledgers.invoke("explain", "--date", "2026-11-01", "--account", "A1",
                          "--db", str(ledgers.db))
    assert text.exit_code == 0, text.stderr
    _golden("explain_A1.txt", text.stdout)
    assert "4.50  UNEXPLAINED" in text.stdout
    data = ledgers.invoke("explain", "--date", "2026-11-01", "--account", "A1",
                          "--db", str(ledgers.db), "--format", "json")
    _golden("explain_A1.json", data.stdout)
    parsed = json.loads(data.stdout)
    assert (parsed["carried"], parsed["entry_impact"], parsed["residual"]) == (
        "10.00", "30.50", "4.50")


def test_explain_unknown_date_or_account_is_an_error(ledgers):
    _explain_ledgers(ledgers)
    run = ledgers.invoke("explain", "--date", "2026-10-01", "--account", "A1",
                         "--db", str(ledgers.db))
    assert run.exit_code == 2 and "no successful reconciliation of 2026-10-01" in run.stderr
    run = ledgers.invoke("explain", "--date", "2026-11-01", "--account", "NOPE",
                         "--db", str(ledgers.db))
    assert run.exit_code == 2 and "account NOPE has no entries or balances" in run.stderr
    run = ledgers.invoke("explain", "--date", "2026-11-01", "--account", "A1",
                         "--db", str(ledgers.root / "absent.duckdb"))
    assert run.exit_code == 2 and "state database not found" in run.stderr


def test_explain_says_which_entries_the_state_does_not_keep(ledgers):
    """A2 ties out and has one clean pair and a field difference (biz_type of S202): only
    S202 is evidence, and explain says the clean pair matched and is not kept. A3 is clean
    throughout: no entry rows at all, and the same line."""
    ledgers.entries("v1", [entry("S201", account_id="A2"), entry("S202", account_id="A2"),
                           entry("S301", account_id="A3")])
    ledgers.entries("v2", [entry("S201", account_id="A2"),
                           entry("S202", account_id="A2", biz_type="FEE"),
                           entry("S301", account_id="A3")])
    assert ledgers.diff().exit_code == 1

    def explained(account: str) -> str:
        run = ledgers.invoke("explain", "--date", "2026-11-01", "--account", account,
                             "--db", str(ledgers.db))
        assert run.exit_code == 0, run.stderr
        return run.stdout.split("Entries (v1 | v2; * marks a differing cell):")[1]

    a2 = explained("A2")
    assert "S202" in a2 and "(biz_type)" in a2 and "S201" not in a2
    assert a2.rstrip().endswith("1 v1 and 1 v2 entries matched cleanly: not kept in the "
                                "state (the source files hold them)")
    assert explained("A3").strip() == ("1 v1 and 1 v2 entries matched cleanly: not kept in "
                                       "the state (the source files hold them)")


def test_report_md_golden(ledgers):
    """The whole report.md of the explain ledgers, its run id made constant: what the
    ledger engineers get to read, pinned line by line."""
    import re

    _explain_ledgers(ledgers)
    run = ledgers.diff("--force")    # the second run of the date: its items are open
    text = (run.out / "2026-11-01" / "report.md").read_text(encoding="utf-8")
    _golden("report.md", re.sub(r"run `[^`]+`", "run `RUN`", text))
