"""Matching beyond one-to-one (docs/interface.md §2): split postings within a date, and
postings that land on both sides of a cut-off (timing differences) across dates."""

from __future__ import annotations

import pytest
from conftest import entry, open_state

D1, D2 = "2026-11-30", "2026-12-01"    # the window crosses a month end


def rows(run, day, kinds=None):
    found = run.worklist(day)
    return [r for r in found if kinds is None or r["kind"] in kinds]


def state(ledgers, query, params=None):
    con = open_state(ledgers.db)
    try:
        return con.execute(query, params or []).fetchall()
    finally:
        con.close()


# -- split ---------------------------------------------------------------------------------

def test_one_posting_split_in_two_is_one_split_mismatch(ledgers):
    ledgers.entries("v1", [entry("001"), entry("S1", amount="100.00", biz_order_no="O9")])
    ledgers.entries("v2", [entry("001"), entry("S2B", amount="40.00", biz_order_no="O9"),
                           entry("S2A", amount="60.00", biz_order_no="O9")])
    run = ledgers.diff()
    (split,) = rows(run, "2026-11-01")
    assert (split["kind"], split["v1_serial_no"], split["v2_serial_no"]) == (
        "SPLIT_MISMATCH", "S1", "S2A+S2B")
    assert (split["v1_value"], split["v2_value"]) == ("C 100.00", "C 60.00 + C 40.00")
    assert (split["amount_impact"], split["fix_side"], split["severity"]) == (0, "v2", "P3")
    systems = run.summary()["systems"]
    assert (systems["v1"]["rows_matched"], systems["v2"]["rows_matched"]) == (2, 3)
    assert systems["v1"]["conservation"]["holds"] and systems["v2"]["conservation"]["holds"]


@pytest.mark.parametrize("parts", [("60.00", "39.99"), ("99.00",)])
def test_parts_that_do_not_add_up_or_do_not_split_stay_missing(ledgers, parts):
    """A near-split off by 0.01 is no split; nor is one entry against one other."""
    ledgers.entries("v1", [entry("S1", amount="100.00", biz_order_no="O9")])
    ledgers.entries("v2", [entry(f"S2{i}", amount=a, biz_order_no="O9")
                           for i, a in enumerate(parts)])
    kinds = sorted(r["kind"] for r in rows(ledgers.diff(), "2026-11-01",
                                             {"SPLIT_MISMATCH", "MISSING_IN_V1",
                                              "MISSING_IN_V2", "AMOUNT_MISMATCH"}))
    assert kinds == sorted(["MISSING_IN_V2"] + ["MISSING_IN_V1"] * len(parts))


def test_a_split_in_v1_is_found_the_other_way_round(ledgers):
    ledgers.entries("v1", [entry("S1A", amount="1.00", direction="D", biz_order_no="O1"),
                           entry("S1B", amount="2.50", direction="D", biz_order_no="O1")])
    ledgers.entries("v2", [entry("S2", amount="3.50", direction="D", biz_order_no="O1")])
    (split,) = rows(ledgers.diff(), "2026-11-01")
    assert (split["kind"], split["system"], split["v1_value"]) == (
        "SPLIT_MISMATCH", "v1", "D 1.00 + D 2.50")


# -- timing --------------------------------------------------------------------------------

@pytest.fixture
def cut_off(ledgers):
    """v1 posts T1 (C 25.00) on the month's last day, v2 the next morning."""
    common = [entry("001")]
    ledgers.entries("v1", [*common, entry("T1", amount="25.00")], day=D1)
    ledgers.entries("v2", common, day=D1)
    ledgers.entries("v1", [entry("002")], day=D2)
    ledgers.entries("v2", [entry("002"), entry("T1", amount="25.00")], day=D2)
    return ledgers


def test_a_posting_across_the_cut_off_is_one_timing_difference(cut_off):
    run = cut_off.diff("--from", D1, "--to", D2)
    (missing,) = rows(run, D1, {"MISSING_IN_V2"})
    (timing,) = rows(run, D2, {"TIMING_DIFFERENCE"})
    assert not rows(run, D2, {"MISSING_IN_V1"})
    assert (timing["v1_serial_no"], timing["field"], timing["v1_value"],
            timing["v2_value"]) == ("T1", "biz_date", D1, D2)
    assert (timing["amount_impact"], timing["severity"], timing["fix_side"]) == (25, "P4", "v2")
    status, resolution = state(cut_off, "SELECT status, resolution FROM worklist "
                                        "WHERE item_id = ?", [missing["item_id"]])[0]
    assert status == "resolved"
    assert resolution == f"arrived on {D2} in v2 (TIMING_DIFFERENCE {timing['item_id']})"
    summary = run.summary(D2)["systems"]["v2"]
    assert summary["rows_matched"] == 2 and summary["conservation"]["holds"]


def test_a_rerun_of_either_date_keeps_the_pair_and_the_settled_item(cut_off):
    cut_off.diff("--from", D1, "--to", D2)
    for day in (D1, D2, D1):
        cut_off.diff("--date", day)
        assert state(cut_off, "SELECT kind, status = 'resolved' FROM worklist WHERE kind IN "
                              "('MISSING_IN_V2', 'MISSING_IN_V1', 'TIMING_DIFFERENCE') "
                              "ORDER BY kind") == [("MISSING_IN_V2", True),
                                                   ("TIMING_DIFFERENCE", False)]
        assert state(cut_off, "SELECT count(*) FROM timing_matches") == [(1,)]


def test_a_pair_no_longer_found_on_a_rerun_reopens_the_earlier_item(cut_off):
    cut_off.diff("--from", D1, "--to", D2)
    cut_off.entries("v2", [entry("002")], day=D2)         # T1 did not arrive after all
    run = cut_off.diff("--date", D2)
    assert not rows(run, D2, {"TIMING_DIFFERENCE"})
    assert state(cut_off, "SELECT status FROM worklist WHERE kind = 'MISSING_IN_V2'") == [
        ("open",)]
    assert state(cut_off, "SELECT count(*) FROM timing_matches") == [(0,)]


def test_window_zero_turns_the_timing_match_off(cut_off):
    config = cut_off.root / "recon.toml"
    config.write_text("[match]\ntiming_window_days = 0\n")
    run = cut_off.diff("--from", D1, "--to", D2, "--config", str(config))
    assert [r["kind"] for r in rows(run, D2, {"MISSING_IN_V1", "TIMING_DIFFERENCE"})] == [
        "MISSING_IN_V1"]


# -- in transit ----------------------------------------------------------------------------

def test_items_within_the_window_are_in_transit_until_it_passes(cut_off):
    run = cut_off.diff("--date", D1)
    assert run.summary(D1)["in_transit"] == {
        "window_days": 1, "items": 1, "amount_impact": {"CNY": "-25.00"}}
    assert "In transit: 1 MISSING_IN_* item(s)" in (run.out / D1 / "report.md").read_text()
    listed = cut_off.invoke("worklist", "--db", str(cut_off.db), "--in-transit",
                            "--format", "csv")
    assert listed.stdout.count("MISSING_IN_V2") == 1
    cut_off.entries("v2", [entry("002")], day=D2)          # it does not arrive
    run = cut_off.diff("--date", D2)
    assert run.summary(D2)["in_transit"]["items"] == 0     # D1 is outside the window now
    listed = cut_off.invoke("worklist", "--db", str(cut_off.db), "--in-transit")
    assert listed.stdout == "no worklist items match\n"


def test_month_end_lists_what_is_in_transit_and_what_it_explains(cut_off, tmp_path):
    import recon

    cut_off.diff("--date", D1)
    check = recon.open(cut_off.db).month_end("2026-11", tmp_path / "out")
    summary = check.summary()
    assert [(i["serial_no"], i["amount_impact"]) for i in summary["in_transit"]["items"]] == [
        ("T1", "-25.00")]
    assert summary["in_transit"]["amount_impact"] == {"CNY": "-25.00"}
    (account,) = summary["differing_accounts"]
    assert (account["difference"], account["in_transit"], account["explained_by_in_transit"]) \
        == ("-25.00", "-25.00", True)
    report = (check.folder(tmp_path / "out") / "report.md").read_text()
    assert "In transit at 2026-11-30: 1 MISSING_IN_* item(s)" in report
    assert "-25.00 (all of it)" in report


# -- currencies (issue 25, items 1 and 2): the matches beyond one-to-one never mix them ----

@pytest.mark.parametrize("whole, parts", [("CNY", ("CNY", "USD")), ("USD", ("CNY", "CNY"))])
def test_a_split_never_adds_currencies_together(ledgers, whole, parts):
    """v1 S1 C 100.00 in one currency against v2's 60.00 + 40.00 of which a part (or
    both) is in another: no split, each entry stays MISSING_IN_*."""
    ledgers.entries("v1", [entry("S1", amount="100.00", biz_order_no="O1", currency=whole)])
    ledgers.entries("v2", [entry("S2A", amount="60.00", biz_order_no="O1", currency=parts[0]),
                           entry("S2B", amount="40.00", biz_order_no="O1", currency=parts[1])])
    kinds = sorted(r["kind"] for r in rows(ledgers.diff(), "2026-11-01",
                                             {"SPLIT_MISMATCH", "MISSING_IN_V1",
                                              "MISSING_IN_V2"}))
    assert kinds == ["MISSING_IN_V1", "MISSING_IN_V1", "MISSING_IN_V2"]


def test_a_split_of_one_currency_leaves_a_part_in_another_missing(ledgers):
    ledgers.entries("v1", [entry("S1", amount="100.00", biz_order_no="O1")])
    ledgers.entries("v2", [entry("S2A", amount="60.00", biz_order_no="O1"),
                           entry("S2B", amount="40.00", biz_order_no="O1"),
                           entry("S2C", amount="40.00", biz_order_no="O1", currency="USD")])
    found = rows(ledgers.diff(), "2026-11-01", {"SPLIT_MISMATCH", "MISSING_IN_V1"})
    assert sorted((r["kind"], r["v2_serial_no"], r["currency"]) for r in found) == [
        ("MISSING_IN_V1", "S2C", "USD"), ("SPLIT_MISMATCH", "S2A+S2B", "CNY")]


def test_a_timing_pair_must_agree_on_currency(ledgers):
    """v1 posts ST C 100.00 CNY on D1 and v2 ST C 100.00 USD on D2: no timing pair, the
    D1 item stays open and D2 reports its entry MISSING_IN_V1."""
    ledgers.entries("v1", [entry("001"), entry("ST", amount="100.00")], day=D1)
    ledgers.entries("v2", [entry("001")], day=D1)
    ledgers.entries("v1", [entry("002")], day=D2)
    ledgers.entries("v2", [entry("002"), entry("ST", amount="100.00", currency="USD")], day=D2)
    run = ledgers.diff("--from", D1, "--to", D2)
    assert [r["kind"] for r in rows(run, D2, {"TIMING_DIFFERENCE", "MISSING_IN_V1"})] == [
        "MISSING_IN_V1"]
    assert state(ledgers, "SELECT status FROM worklist WHERE kind = 'MISSING_IN_V2'") == [
        ("new",)]


def test_the_serial_match_never_pairs_two_currencies(ledgers):
    ledgers.entries("v1", [entry("S1", amount="100.00", biz_order_no="O1")])
    ledgers.entries("v2", [entry("S9", amount="100.00", biz_order_no="O1", currency="USD")])
    kinds = sorted(r["kind"] for r in rows(ledgers.diff(), "2026-11-01"))
    assert "SERIAL_MISMATCH" not in kinds and kinds.count("MISSING_IN_V1") == 1


# -- an item is open only while its date's latest run finds it (issue 25, item 3) ----------

def test_a_rerun_never_reopens_an_item_its_own_date_no_longer_finds(ledgers):
    """v1 posts ST on D1, v2 on D2: a timing difference. A late v2 file shows v2 posted
    ST on D1 too (a double posting), with its balances raised to match: the rerun of D1
    finds nothing, the rerun of D2 a MISSING_IN_V1. D1's MISSING_IN_V2 item must not be
    open again: following its action would post a third copy."""
    ledgers.entries("v1", [entry("001"), entry("ST", amount="100.00")], day=D1)
    ledgers.entries("v2", [entry("001")], day=D1)
    ledgers.entries("v1", [entry("002")], day=D2)
    ledgers.entries("v2", [entry("002"), entry("ST", amount="100.00")], day=D2)
    ledgers.diff("--from", D1, "--to", D2)
    ledgers.entries("v2", [entry("ST", amount="100.00")], day=D1, name="part-late")
    ledgers.derived_balances()
    ledgers.balances("v2", [{"account_id": "A1", "opening_balance": "0.00",
                             "closing_balance": "110.00", "currency": "CNY"}], day=D1)
    ledgers.balances("v2", [{"account_id": "A1", "opening_balance": "110.00",
                             "closing_balance": "220.00", "currency": "CNY"}], day=D2)
    ledgers.balances("v1", [{"account_id": "A1", "opening_balance": "110.00",
                             "closing_balance": "120.00", "currency": "CNY"}], day=D2)
    assert rows(ledgers.diff("--date", D1, derive_balances=False), D1) == []
    run = ledgers.diff("--date", D2, derive_balances=False)
    assert sorted(r["kind"] for r in rows(run, D2)) == ["BALANCE_MISMATCH", "MISSING_IN_V1"]
    open_items = state(ledgers, "SELECT kind, biz_date::VARCHAR FROM worklist "
                                "WHERE status IN ('new', 'open') ORDER BY kind")
    assert open_items == [("BALANCE_MISMATCH", D2), ("MISSING_IN_V1", D2)]


# -- copies of one key (issue 25, item 4) --------------------------------------------------

def test_copies_that_agree_pair_first_and_the_missing_copy_is_named(ledgers):
    """(A1, SDUP) 3,000 times in v1 and 2,999 times in v2, each copy with its own
    biz_order_no; v2 lacks copy 1,234. Pairing copies that agree first leaves exactly
    that copy MISSING_IN_V2, and no pair differs (numbering alone shifted every later
    copy: a FIELD_MISMATCH for each)."""
    def copies(system):
        return [entry("SDUP", biz_order_no=f"O{i:05d}",
                      posted_at=f"2026-11-01 10:{i // 60 % 60:02d}:{i % 60:02d}")
                for i in range(3000) if not (system == "v2" and i == 1234)]

    ledgers.entries("v1", copies("v1"))
    ledgers.entries("v2", list(reversed(copies("v2"))))
    found = ledgers.diff().worklist()
    assert sorted(r["kind"] for r in found) == ["BALANCE_MISMATCH", "DUPLICATE_SERIAL",
                                                "DUPLICATE_SERIAL", "MISSING_IN_V2"]
    (balance,) = [r for r in found if r["kind"] == "BALANCE_MISMATCH"]
    assert balance["residual"] == 0       # the missing copy explains it
    (missing,) = [r for r in found if r["kind"] == "MISSING_IN_V2"]
    assert missing["biz_order_no"] == "O01234"
    assert missing["suggested_action"].startswith("v1 has serial SDUP more than once")


def test_a_reversal_stamped_in_the_other_order_pairs_c_with_c(ledgers):
    """A reversal pair (C and D of one serial): v2 stamps the D first. Copies that agree
    pair first, so no false DIRECTION_MISMATCH of ±200."""
    ledgers.entries("v1", [entry("R1", direction="C", amount="100.00",
                                 posted_at="2026-11-01 09:00:00"),
                           entry("R1", direction="D", amount="100.00",
                                 posted_at="2026-11-01 09:05:00")])
    ledgers.entries("v2", [entry("R1", direction="D", amount="100.00",
                                 posted_at="2026-11-01 09:00:01"),
                           entry("R1", direction="C", amount="100.00",
                                 posted_at="2026-11-01 09:05:01")])
    kinds = sorted(r["kind"] for r in ledgers.diff().worklist())
    assert kinds == ["DUPLICATE_SERIAL", "DUPLICATE_SERIAL"]
