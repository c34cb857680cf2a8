"""The Python API (recon/api.py): what a notebook gets from `recon.open(...)`, the same
state the CLI reads, as polars DataFrames with money as decimals."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import polars as pl
import pytest
from conftest import DAY, entry

import recon
from recon.config import Config
from recon.errors import NotFound


@pytest.fixture
def reconciled(ledgers):
    """v2 posts 002 with another biz_type and amount, and lacks 003; the run compares
    every default field but biz_type."""
    ledgers.entries("v1", [entry("001"), entry("002", amount="5.00"), entry("003")])
    ledgers.entries("v2", [entry("001"), entry("002", amount="5.50", biz_type="FEE")])
    ledgers.derived_balances()
    state = recon.open(ledgers.db, Config(html=False, compare_fields=(
        "currency", "biz_order_no", "legal_entity", "subject_code")))
    (result,) = state.diff(DAY, v1=ledgers.v1, v2=ledgers.v2, out=ledgers.out)
    assert result.verdict == "breaks"
    return state


def test_worklist_and_findings_are_frames_with_exact_money(reconciled):
    items = reconciled.worklist(status=("new", "open"))
    assert isinstance(items, pl.DataFrame)
    assert items.schema["amount_impact"] == pl.Decimal(18, 2)
    kinds = dict(zip(items["kind"], items["amount_impact"], strict=True))
    assert kinds["AMOUNT_MISMATCH"] == Decimal("0.50")
    assert kinds["MISSING_IN_V2"] == Decimal("-10.00")
    assert "FIELD_MISMATCH" not in kinds          # biz_type is not compared
    assert reconciled.worklist(kind="MISSING_IN_V2").height == 1
    assert reconciled.worklist(min_impact="1.00")["kind"].to_list().count(
        "AMOUNT_MISMATCH") == 0
    runs = reconciled.frame("SELECT biz_date, status FROM runs WHERE biz_date = $d",
                            {"d": DAY})
    assert runs.rows() == [(date(2026, 11, 1), "succeeded")]
    findings = reconciled.findings(DAY)
    assert sorted(findings["item_id"]) == sorted(items["item_id"])
    with pytest.raises(NotFound):
        reconciled.findings("2026-11-02")


def test_explain_marks_only_the_cells_the_run_compared(reconciled):
    entries = reconciled.explain(DAY, "A1").entries_frame()
    differs = dict(zip(entries["v1_serial_no"], entries["differs"], strict=True))
    assert differs["002"] == "amount"          # biz_type differs too, but is not compared
    assert differs["003"] == "only in v1"


def test_month_end_flows_frame_has_the_differences(reconciled, tmp_path):
    check = reconciled.month_end("2026-11", tmp_path / "out")
    flows = check.flows_frame()
    assert check.verdict == "FAIL"
    assert (check.folder(tmp_path / "out") / "report.md").exists()
    deposits = flows.filter(pl.col("direction") == "C").select(
        pl.col("amount_difference").sum()).item()
    assert deposits == Decimal("-9.50")     # 003 missing (-10.00), 002 +0.50


def test_explain_and_month_end_frames_have_the_contract_money_type(reconciled, tmp_path):
    entries = reconciled.explain(DAY, "A1").entries_frame()
    assert entries.schema["v1_amount"] == pl.Decimal(18, 2)
    flows = reconciled.month_end("2026-11").flows_frame()
    assert flows.schema["v1_amount"] == flows.schema["v2_amount"] == pl.Decimal(18, 2)


def test_a_filter_value_that_does_not_exist_is_an_error_not_an_empty_frame(reconciled):
    for bad in ({"status": "bogus"}, {"kind": "MISSING"}, {"severity": "P9"},
                {"fix_side": "v3"}):
        with pytest.raises(recon.errors.UsageError, match="is not one of"):
            reconciled.worklist(**bad)
