"""The finance month-end check (`recon month-end`): coverage, flows, active accounts,
month-end balances, open work and the verdict, from the state database alone."""

from __future__ import annotations

import copy
import json
import shutil
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import duckdb
import openpyxl
import pyarrow.compute as pc
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner
from conftest import Ledgers, entry, month_end, open_state

from fixtures.generate import Spec, generate
from recon import pipeline
from recon.cli import cli
from recon.config import Config
from recon.state import Store

FEB = [date(2026, 2, 1) + timedelta(days=k) for k in range(28)]
GAP = date(2026, 2, 14)


def reconcile(data: Path, db: Path, out: Path, dates: list[date], **config) -> None:
    request = pipeline.DiffRequest(v1_dir=data / "v1", v2_dir=data / "v2", out_dir=out,
                               db_path=db, config=Config(html=False, **config))
    pipeline.diff(request, dates)


@pytest.fixture(scope="module")
def february(tmp_path_factory) -> Path:
    """A clean February (no breaks, no junk) reconciled on every date but the 14th."""
    root = tmp_path_factory.mktemp("february")
    generate(root / "data", Spec(start=FEB[0], days=len(FEB), entries=120, accounts=30,
                                 breaks=0, junk=0, balance_breaks=0, seed=7, files=1))
    reconcile(root / "data", root / "gap.duckdb", root / "out", [d for d in FEB if d != GAP])
    return root


KEPT = FEB[:3]


@pytest.fixture(scope="module")
def kept(february, tmp_path_factory) -> Path:
    """February's first three dates reconciled with [state] keep_entries = "all": a state
    database holding every valid entry, as every database did before schema 3."""
    root = tmp_path_factory.mktemp("kept")
    reconcile(february / "data", root / "kept.duckdb", root / "out", KEPT, keep_entries="all")
    return root / "kept.duckdb"


@pytest.fixture
def complete(february, tmp_path) -> Path:
    """A copy of February's state database with the 14th reconciled too."""
    db = tmp_path / "recon.duckdb"
    shutil.copytree(february / "gap.duckdb", db)
    reconcile(february / "data", db, tmp_path / "out", [GAP])
    return db


def test_a_missing_date_fails_naming_it(february, tmp_path):
    result, summary = month_end(february / "gap.duckdb", tmp_path)
    assert result.exit_code == 1
    assert summary["verdict"] == "FAIL"
    assert summary["missing_dates"] == ["2026-02-14"]
    assert len(summary["reasons"]) == 1
    assert "1 date(s) missing: 2026-02-14" in summary["reasons"][0]
    assert "2026-02-14" in result.stdout


def test_a_month_that_ties_out_passes(complete, tmp_path):
    result, summary = month_end(complete, tmp_path)
    assert result.exit_code == 0, result.stdout
    assert summary["verdict"] == "PASS" and summary["reasons"] == []
    assert summary["missing_dates"] == []
    flows = summary["flows"]
    assert flows and all(f["ties"] for f in flows)
    # deposits and withdrawals come first
    types = [f["biz_type"] for f in flows]
    first_other = next(i for i, t in enumerate(types) if t not in ("DEPOSIT", "WITHDRAW"))
    assert set(types[:first_other]) == {"DEPOSIT", "WITHDRAW"}
    assert "DEPOSIT" not in types[first_other:] and "WITHDRAW" not in types[first_other:]
    active = summary["active_accounts"]
    assert active["v1"] == active["v2"] > 0 and active["only_v1"] == active["only_v2"] == []
    assert summary["balances_as_of"] == "2026-02-28"
    assert summary["closing_balances"]
    assert all(b["difference"] == "0.00" for b in summary["closing_balances"])
    assert summary["differing_accounts"] == []


def test_flows_count_every_loaded_entry_of_the_month(complete, kept, tmp_path):
    """The flows add up to the valid entries each date's run counted as it read them,
    and those are the entries a keep_entries = "all" database holds."""

    def loaded(db: Path) -> dict[str, int]:
        con = open_state(db)
        runs = con.execute("SELECT counts FROM runs WHERE status = 'succeeded'").fetchall()
        con.close()
        return {system: sum(json.loads(counts)["systems"][system]["rows_loaded"]
                            for (counts,) in runs) for system in ("v1", "v2")}

    _, summary = month_end(complete, tmp_path)
    month = loaded(complete)
    assert sum(f["v1_count"] for f in summary["flows"]) == month["v1"] == 28 * 120
    assert sum(f["v2_count"] for f in summary["flows"]) == month["v2"]
    stored = dict(open_state(kept).execute(
        "SELECT system, count(*) FROM entries GROUP BY 1").fetchall())
    assert stored == loaded(kept) and stored["v1"] == len(KEPT) * 120


def test_the_state_keeps_no_clean_entry_unless_asked(complete, kept):
    """A clean month leaves no evidence and, by default, no entries: the sources are
    their record. keep_entries = "all" keeps each of them once, with its file and row."""
    con = open_state(complete)
    assert con.execute("SELECT count(*) FROM entries").fetchone() == (0,)
    assert con.execute("SELECT count(*) FROM evidence").fetchone() == (0,)
    con = open_state(kept)
    assert con.execute("SELECT count(*) FROM evidence").fetchone() == (0,)
    assert con.execute(
        "SELECT count(*), count(DISTINCT (biz_date, system, source_file, source_row)), "
        "count(*) FILTER (WHERE copies <> 1) FROM entries").fetchone() \
        == (2 * len(KEPT) * 120, 2 * len(KEPT) * 120, 0)


def test_a_broken_legal_entity_in_v1_on_one_day_fails_naming_the_rows(
        february, complete, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(february / "data", data)
    day = date(2026, 2, 10)
    (part,) = (data / "v1" / "entries" / f"biz_date={day}").iterdir()
    table = pq.read_table(part)
    broken = pc.and_(pc.equal(table["legal_entity"], "LE02"),
                     pc.equal(table["biz_type"], "DEPOSIT"))
    assert pc.sum(broken).as_py() > 0
    table = table.set_column(
        table.schema.get_field_index("legal_entity"), "legal_entity",
        pc.if_else(broken, None, table["legal_entity"]))
    pq.write_table(table, part)
    reconcile(data, complete, tmp_path / "out", [day])

    result, summary = month_end(complete, tmp_path)
    assert result.exit_code == 1
    assert summary["verdict"] == "FAIL"
    untied = {(f["legal_entity"], f["biz_type"]) for f in summary["flows"] if not f["ties"]}
    assert untied == {("LE02", "DEPOSIT"), (None, "DEPOSIT")}
    for f in summary["flows"]:
        if f["legal_entity"] == "LE02" and f["biz_type"] == "DEPOSIT":
            assert f["v1_count"] < f["v2_count"]
            assert Decimal(f["amount_difference"]) > 0
    assert any(r.startswith("flows:") and "LE02 DEPOSIT" in r for r in summary["reasons"])
    assert "(no entity) DEPOSIT" in " ".join(summary["reasons"])
    assert summary["missing_dates"] == []


def test_a_failed_rerun_is_listed_with_its_message(february, complete, tmp_path):
    data = tmp_path / "data"
    shutil.copytree(february / "data", data)
    day = date(2026, 2, 20)
    shutil.rmtree(data / "v2" / "entries" / f"biz_date={day}")
    runner = CliRunner()
    failed = runner.invoke(cli, ["diff", "--date", str(day), "--v1", str(data / "v1"),
                                 "--v2", str(data / "v2"), "--out", str(tmp_path / "out"),
                                 "--db", str(complete)])
    assert failed.exit_code == 3

    result, summary = month_end(complete, tmp_path)
    assert result.exit_code == 1
    assert summary["missing_dates"] == ["2026-02-20"]
    (row,) = [c for c in summary["coverage"] if c["biz_date"] == "2026-02-20"]
    assert row["status"] == "failed" and "partition" in row["message"]
    assert "1 date(s) failed: 2026-02-20" in summary["reasons"][0]


def test_the_spreadsheet_has_a_sheet_per_section_with_numeric_amounts(complete, tmp_path):
    _, summary = month_end(complete, tmp_path)
    book = openpyxl.load_workbook(tmp_path / "month-end-2026-02" / "month-end-2026-02.xlsx")
    assert book.sheetnames == ["Verdict", "Coverage", "Flows", "Active accounts",
                               "Closing balances", "Differing accounts", "Open work"]
    assert book["Verdict"]["B3"].value == "PASS"
    flows = book["Flows"]
    header = [c.value for c in flows[1]]
    assert header[:8] == ["legal_entity", "biz_type", "direction", "currency", "v1_count",
                          "v1_amount", "v2_count", "v2_amount"]
    rows = list(flows.iter_rows(min_row=2))
    assert len(rows) == len(summary["flows"])
    for cells, flow in zip(rows, summary["flows"], strict=True):
        amount = cells[5]
        assert isinstance(amount.value, int | float)
        assert amount.number_format == "#,##0.00"
        assert f"{amount.value:.2f}" == flow["v1_amount"]
        assert cells[4].value == flow["v1_count"]
    assert book["Coverage"].max_row == 1 + 28


def test_month_end_needs_no_raw_entries(kept, tmp_path):
    """The check reads the stored daily aggregates: dropping the entries, evidence and
    rejects of every date (as retention does) does not change its flows or active
    accounts."""
    db = tmp_path / "kept.duckdb"
    shutil.copytree(kept, db)
    _, before = month_end(db, tmp_path / "before")
    assert before["flows"]
    store = Store(db, Config(), write=True)
    assert store.retain(date(2026, 3, 1), days=1) == len(KEPT)
    store.close()
    assert not list(db.rglob("entries.parquet")) and not list(db.rglob("evidence.parquet"))
    _, after = month_end(db, tmp_path / "after")
    assert after["flows"] == before["flows"]
    assert after["active_accounts"] == before["active_accounts"]
    assert after["closing_balances"] == before["closing_balances"]


def test_an_old_single_file_state_is_converted_with_its_aggregates_backfilled(kept,
                                                                            tmp_path):
    """A schema 1 state file (every entry stored, no aggregates, no evidence) is brought
    up to date on first use: its aggregates are computed from its entries, and the file
    is kept beside the new state."""
    _, before = month_end(kept, tmp_path / "before")
    db = tmp_path / "old.duckdb"
    old = duckdb.connect(str(db))
    old.execute((Path(__file__).parent / "data" / "schema_v1.sql").read_text())
    old.execute("INSERT INTO meta VALUES ('schema_version', '1')")
    now = open_state(kept)
    for table in ("runs", "entries", "balances", "findings", "worklist", "rejects"):
        columns = [name for (name,) in old.execute(
            "SELECT column_name FROM duckdb_columns() WHERE table_name = ?",
            [table]).fetchall()]
        rows = now.sql(f"SELECT {', '.join(columns)} FROM {table}").to_arrow_table()
        old.register("rows", rows)
        old.execute(f"INSERT INTO {table} BY NAME SELECT * FROM rows")
        old.unregister("rows")
    old.close()
    _, after = month_end(db, tmp_path / "after")       # a command that writes converts
    assert db.is_dir() and (tmp_path / "old.duckdb.schema1.bak").is_file()
    assert after["flows"] == before["flows"]
    assert after["active_accounts"] == before["active_accounts"]


def test_a_bad_month_is_a_usage_error(complete, tmp_path):
    result, _ = month_end(complete, tmp_path, month="2026-13")
    assert result.exit_code == 2
    assert "2026-13" in result.stderr


MARCH = [f"2026-03-{d:02d}" for d in range(1, 32)]


@pytest.fixture(scope="module")
def march_before_the_31st(tmp_path_factory) -> Ledgers:
    """March 1-30 reconciled, with one entry of 5.00 on account A1 a day in both
    systems; the tests below copy it and each give the 31st its own way."""
    ledgers = Ledgers(tmp_path_factory.mktemp("march"))
    for d in MARCH[:-1]:
        rows = [entry(f"S{d}", posted_at=f"{d} 10:00:00", amount="5.00")]
        ledgers.entries("v1", rows, day=d)
        ledgers.entries("v2", rows, day=d)
    assert ledgers.diff("--from", MARCH[0], "--to", MARCH[-2], "--fail-on", "never"
                        ).exit_code == 0
    return ledgers


def march(before: Ledgers, root: Path, *, v2_last_day_entries: bool,
          v2_last_closing: str) -> dict:
    """March: the shared 30 days, then the 31st, where v2 may lack the day's entry,
    and v2's closing balance is as given."""
    shutil.copytree(before.root, root)
    ledgers = copy.deepcopy(before)
    ledgers.root = root
    d = MARCH[-1]
    rows = [entry(f"S{d}", posted_at=f"{d} 10:00:00", amount="5.00")]
    ledgers.entries("v1", rows, day=d)
    ledgers.entries("v2", rows if v2_last_day_entries else [], day=d)
    ledgers.balances("v2", [{"account_id": "A1", "opening_balance": "0.00",
                             "closing_balance": v2_last_closing, "currency": "CNY"}], day=d)
    assert ledgers.diff("--date", d, "--fail-on", "never").exit_code == 0
    result, summary = month_end(ledgers.db, ledgers.root / "me", month="2026-03")
    assert result.exit_code == 1
    assert summary["missing_dates"] == []
    assert summary["active_accounts"] == {"v1": 1, "v2": 1, "only_v1": [], "only_v2": []}
    return summary


def test_an_explained_balance_difference_fails_the_month(march_before_the_31st, tmp_path):
    summary = march(march_before_the_31st, tmp_path / "m", v2_last_day_entries=False,
                    v2_last_closing="0.00")
    (acct,) = summary["differing_accounts"]
    assert acct["account_id"] == "A1" and acct["kind"] == "BALANCE_MISMATCH"
    assert (acct["v1_closing"], acct["v2_closing"]) == ("5.00", "0.00")
    assert (acct["difference"], acct["explained"], acct["unexplained"]) == \
        ("-5.00", "-5.00", "0.00")
    assert summary["balance_totals"] == {"difference_abs": {"CNY": "5.00"},
                                         "explained_abs": {"CNY": "5.00"},
                                         "unexplained_abs": {"CNY": "0.00"}}
    reasons = " | ".join(summary["reasons"])
    assert "month-end balances: 1 account(s) differ on 2026-03-31 (unexplained 0.00)" \
        in reasons
    assert "flows: 1 row(s) do not tie out: LE01 DEPOSIT C CNY (v1 31 / 155.00, " \
        "v2 30 / 150.00)" in reasons
    assert "open work" not in reasons            # a missing 5.00 entry is not P1


def test_an_unexplained_difference_is_open_p1_work(march_before_the_31st, tmp_path):
    summary = march(march_before_the_31st, tmp_path / "m", v2_last_day_entries=True,
                    v2_last_closing="1.00")
    assert all(f["ties"] for f in summary["flows"])
    (acct,) = summary["differing_accounts"]
    assert (acct["difference"], acct["explained"], acct["unexplained"]) == \
        ("-4.00", "0.00", "-4.00")
    p1 = summary["open_work"]["p1_items"]
    assert {i["kind"] for i in p1} == {"BALANCE_MISMATCH", "ROLLFORWARD_BREAK"}
    assert summary["open_work"]["by_severity_and_age"]["P1"]["0-1 d"] == 2
    assert [r.split(":")[0] for r in summary["reasons"]] == ["month-end balances",
                                                            "open work"]
