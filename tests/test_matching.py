"""Matching beyond one-to-one (docs/interface.md §2): split postings within a date, and
postings that land on both sides of a cut-off (timing differences) across dates."""

from __future__ import annotations

import duckdb
import pytest
from conftest import entry

D1, D2 = "2026-11-30", "2026-12-01"    # the window crosses a month end


def rows(run, day, kinds=None):
    found = run.worklist(day)
    return [r for r in found if kinds is None or r["kind"] in kinds]


def state(ledgers, query, params=None):
    con = duckdb.connect(str(ledgers.db), read_only=True)
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
