"""Loading (docs/interface.md §1): rejects with file, row and reason; input errors exit 3."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from conftest import DAY, entry, open_state, write_rows

from recon.contract import ENTRY_COLUMNS

GOOD = [entry("000001"), entry("000002")]


def only_reasons(run, system="v1"):
    return [(r["source_row"], r["reason"]) for r in run.rejects() if r["system"] == system]


@pytest.mark.parametrize("column,value,reason", [
    ("serial_no", None, "missing serial_no"),
    ("account_id", None, "missing account_id"),
    ("currency", None, "missing currency"),
    ("biz_type", None, "missing biz_type"),
    ("direction", None, "missing direction"),
    ("direction", "X", "unknown direction"),
    ("direction", "c", "unknown direction"),
    ("amount", None, "missing amount"),
    ("amount", "-5.00", "negative amount"),
    ("amount", "abc", "unparseable amount"),
    ("amount", "1e3", "unparseable amount"),
    ("amount", "1,000.00", "unparseable amount"),
    ("amount", "12.345", "amount has more than 2 decimals"),
    ("amount", "12345678901234567.00", "amount out of range"),
    ("posted_at", None, "missing posted_at"),
    ("posted_at", "yesterday", "bad timestamp posted_at"),
    ("balance_after", "1.001", "balance_after has more than 2 decimals"),
])
def test_every_csv_reject_reason(ledgers, column, value, reason):
    """Row 2 of the CSV breaks one rule: it is rejected with that reason, the others load."""
    bad = {**entry("000003"), column: value}
    ledgers.entries("v1", [GOOD[0], bad, GOOD[1]])
    ledgers.entries("v2", GOOD)
    run = ledgers.diff()
    assert only_reasons(run) == [(2, reason)]
    summary = run.summary()
    assert summary["systems"]["v1"]["rows_read"] == 3
    assert summary["systems"]["v1"]["rows_rejected"] == 1
    assert summary["rows_matched"] == 2
    assert summary["verdict"] == "breaks" and run.exit_code == 1


@pytest.mark.parametrize("column,value,reason", [
    ("serial_no", None, "missing serial_no"),
    ("direction", "D+", "unknown direction"),
    ("amount", "-0.01", "negative amount"),
    ("posted_at", None, "missing posted_at"),
])
def test_parquet_reject_reasons(ledgers, column, value, reason):
    ledgers.entries("v1", [GOOD[0], GOOD[1], {**entry("000003"), column: value}],
                    fmt="parquet")
    ledgers.entries("v2", GOOD, fmt="parquet")
    assert only_reasons(ledgers.diff()) == [(3, reason)]


def test_all_reasons_of_a_row_are_given_and_raw_values_kept(ledgers):
    ledgers.entries("v1", [entry("000003", direction="X", amount="1.234",
                                 posted_at="nope")])
    ledgers.entries("v2", GOOD)
    rejects = ledgers.diff().rejects()
    assert rejects[0]["reason"] == ("unknown direction; amount has more than 2 decimals; "
                                    "bad timestamp posted_at")
    assert '"amount":"1.234"' in rejects[0]["raw"]
    assert rejects[0]["source_file"].endswith("v1/entries/biz_date=2026-11-01/part-0.csv")


def test_malformed_csv_lines_are_rejected_and_rows_keep_their_numbers(ledgers):
    """Line 3 of the file (data row 2) has too few fields, data row 4 too many; rows
    after them keep their own numbers."""
    path = ledgers.entries("v1", [])
    path.write_text(
        ",".join(ENTRY_COLUMNS) + "\n"
        "000001,A1,C,10.00,CNY,DEPOSIT,O-000001,2026-11-01 10:00:00,LE01,2201,\n"
        "000002,A1,C\n"
        "000003,A1,C,abc,CNY,DEPOSIT,,2026-11-01 10:00:00,LE01,2201,\n"
        "000004,A1,C,10.00,CNY,DEPOSIT,,2026-11-01 10:00:00,LE01,2201,,extra\n"
        "000005,A1,C,1.001,CNY,DEPOSIT,,2026-11-01 10:00:00,LE01,2201,\n"
    )
    ledgers.entries("v2", GOOD[:1])
    run = ledgers.diff()
    assert only_reasons(run) == [
        (2, "malformed CSV row: too few fields (3, the header has 11)"),
        (3, "unparseable amount"),
        (4, "malformed CSV row: too many fields (12, the header has 11)"),
        (5, "amount has more than 2 decimals"),
    ]
    v1 = run.summary()["systems"]["v1"]
    assert (v1["rows_read"], v1["rows_matched"], v1["rows_rejected"]) == (5, 1, 4)


def test_biz_date_column_must_agree_with_partition(ledgers):
    cols = [*ENTRY_COLUMNS, "biz_date"]
    ledgers.entries("v1", [{**GOOD[0], "biz_date": DAY}, {**GOOD[1], "biz_date": "2026-10-31"}],
                    columns=cols)
    ledgers.entries("v2", GOOD)
    assert only_reasons(ledgers.diff()) == [(2, "biz_date disagrees with partition")]


def test_several_files_and_formats_in_one_partition(ledgers):
    ledgers.entries("v1", GOOD[:1], name="a", fmt="csv")
    ledgers.entries("v1", GOOD[1:], name="b", fmt="parquet")
    (ledgers.v1 / "entries" / f"biz_date={DAY}" / "_SUCCESS").write_text("")
    ledgers.entries("v2", GOOD)
    run = ledgers.diff()
    assert run.exit_code == 0, run.stderr
    assert run.summary()["systems"]["v1"]["files"] == 2


def test_column_mapping_applies_to_every_file_of_the_source(ledgers, tmp_path):
    renamed = [{("acct_no" if k == "account_id" else k): v for k, v in r.items()} for r in GOOD]
    ledgers.entries("v1", renamed, columns=list(renamed[0]))
    ledgers.entries("v2", GOOD)
    write_rows(ledgers.v1 / "balances" / f"biz_date={DAY}" / "b.csv",
               [{"acct_no": "A1", "opening_balance": "0.00", "closing_balance": "20.00",
                 "currency": "CNY"}], None, "csv")
    config = tmp_path / "recon.toml"
    config.write_text('[sources.v1.columns]\naccount_id = "acct_no"\n')
    run = ledgers.diff("--config", str(config))
    assert run.exit_code == 0, run.stderr


def test_missing_mapped_column_is_an_input_error(ledgers, tmp_path):
    ledgers.entries("v1", GOOD)
    ledgers.entries("v2", GOOD)
    config = tmp_path / "recon.toml"
    config.write_text('[sources.v1.columns]\naccount_id = "acct_no"\n')
    run = ledgers.diff("--config", str(config))
    assert run.exit_code == 3
    assert "missing required column 'account_id' (mapped to 'acct_no')" in run.stderr
    assert "part-0.csv" in run.stderr


def test_missing_partition_is_an_input_error_naming_system_and_date(ledgers):
    ledgers.entries("v1", GOOD)
    ledgers.entries("v2", GOOD, day="2026-10-31")
    run = ledgers.diff()
    assert run.exit_code == 3
    assert run.stderr.count("\n") == 1
    assert "missing entries partition for v2 on 2026-11-01" in run.stderr
    assert not (run.out / DAY).exists()


def test_missing_required_column_is_an_input_error(ledgers):
    ledgers.entries("v1", GOOD, columns=[c for c in ENTRY_COLUMNS if c != "amount"])
    ledgers.entries("v2", GOOD)
    run = ledgers.diff()
    assert run.exit_code == 3
    assert run.stderr.startswith("recon: ") and "missing required column 'amount'" in run.stderr


def test_unreadable_file_is_an_input_error_and_no_run_is_recorded(ledgers):
    ledgers.entries("v1", GOOD)
    ledgers.entries("v2", GOOD)
    broken = ledgers.v2 / "entries" / f"biz_date={DAY}" / "part-1.parquet"
    broken.write_bytes(b"PAR1 this is not parquet")
    run = ledgers.diff()
    assert run.exit_code == 3
    assert "part-1.parquet: cannot read parquet file" in run.stderr
    con = open_state(ledgers.db)
    assert con.execute("SELECT status, exit_code FROM runs").fetchall() == [("failed", 3)]
    assert con.execute("SELECT count(*) FROM evidence").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM findings").fetchone() == (0,)


def test_empty_partition_is_an_input_error(ledgers):
    ledgers.entries("v1", GOOD)
    (ledgers.v2 / "entries" / f"biz_date={DAY}").mkdir(parents=True)
    run = ledgers.diff()
    assert run.exit_code == 3
    assert "holds no .parquet, .csv or .csv.gz file" in run.stderr


def test_a_partition_mixing_csv_and_parquet_names_each_rows_file(ledgers):
    """Planted: v1's partition holds part-0.csv, part-1.parquet, part-2.parquet (one
    relation: same schema) and part-3.csv; v2 lacks 002 (in part-0.csv, row 2) and has
    006 (part-3.csv, row 1) at 7.50 instead of 7.00. Each kept row names its own file
    and row, once, and every file's rows are counted."""
    ledgers.entries("v1", [entry("001"), entry("002")], name="part-0", fmt="csv")
    ledgers.entries("v1", [entry("003"), entry("004")], name="part-1", fmt="parquet")
    ledgers.entries("v1", [entry("005")], name="part-2", fmt="parquet")
    ledgers.entries("v1", [entry("006", amount="7.00")], name="part-3", fmt="csv")
    ledgers.entries("v2", [entry("001"), entry("003"), entry("004"), entry("005"),
                           entry("006", amount="7.50")], fmt="parquet")
    run = ledgers.diff()
    assert run.exit_code == 1
    assert run.summary()["systems"]["v1"]["rows_read"] == 6
    con = open_state(ledgers.db)
    kept = con.execute(
        "SELECT serial_no, source_file, source_row FROM evidence WHERE system = 'v1' "
        "AND serial_no IN ('002', '006') ORDER BY serial_no").fetchall()
    (inputs,) = con.execute("SELECT inputs FROM runs").fetchone()
    con.close()
    assert [(Path(f["path"]).name, f["rows"]) for f in json.loads(inputs)["v1/entries"]] == [
        ("part-0.csv", 2), ("part-1.parquet", 2), ("part-2.parquet", 1), ("part-3.csv", 1)]
    assert [(s, Path(f).name, r) for s, f, r in kept] == [
        ("002", "part-0.csv", 2), ("006", "part-3.csv", 1)]
