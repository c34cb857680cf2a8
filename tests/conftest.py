"""Helpers for tests: tiny hand-written ledgers on disk, and running recon on them."""

from __future__ import annotations

import csv
import json
import shutil
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from click.testing import CliRunner

from recon.cli import cli
from recon.contract import BALANCE_COLUMNS, ENTRY_COLUMNS

DAY = "2026-11-01"


def entry(serial_no, account_id="A1", direction="C", amount="10.00", **other) -> dict:
    """One entry row; every column of docs/interface.md §1 with plausible defaults."""
    row = {
        "serial_no": serial_no,
        "account_id": account_id,
        "direction": direction,
        "amount": amount,
        "currency": "CNY",
        "biz_type": "DEPOSIT",
        "biz_order_no": f"O-{serial_no}",
        "posted_at": "2026-11-01 10:00:00",
        "legal_entity": "LE01",
        "subject_code": "2201",
        "balance_after": None,
    }
    row.update(other)
    return row


def write_rows(path: Path, rows: list[dict], columns, fmt: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = list(columns) if columns else list(rows[0]) if rows else []
    if fmt == "csv":
        with open(path, "w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(columns)
            for row in rows:
                writer.writerow(["" if row.get(c) is None else row.get(c) for c in columns])
        return path
    arrays = {}
    for c in columns:
        values = [row.get(c) for row in rows]
        if c in ("amount", "balance_after", "opening_balance", "closing_balance"):
            arrays[c] = pa.array([None if v is None else Decimal(v) for v in values],
                                 pa.decimal128(18, 2))
        elif c == "posted_at":
            arrays[c] = pa.array([None if v is None else datetime.fromisoformat(v)
                                  for v in values], pa.timestamp("us"))
        else:
            arrays[c] = pa.array(values, pa.string())
    pq.write_table(pa.table(arrays), path)
    return path


@dataclass
class Run:
    exit_code: int
    stdout: str
    stderr: str
    out: Path

    def worklist(self, day: str = DAY) -> list[dict]:
        return _read(self.out / day / "worklist.parquet")

    def rejects(self, day: str = DAY) -> list[dict]:
        return _read(self.out / day / "rejects.parquet")

    def summary(self, day: str = DAY) -> dict:
        return json.loads((self.out / day / "summary.json").read_text())


def open_state(db: Path):
    """A DuckDB connection with the whole state at `db` laid out on it, as a reader sees
    it: every date's tables, the run log, the whole worklist and its history."""
    from recon.config import Config
    from recon.state import Store

    store = Store(db, Config())
    try:
        con = store.connect()
        store.read(con, worklist="all")
    finally:
        store.close()
    return con


def catalog(db: Path):
    """The state's catalog, to change it as a test must (sqlite3)."""
    import sqlite3

    return sqlite3.connect(Path(db) / "catalog.sqlite", isolation_level=None)


def _read(path: Path) -> list[dict]:
    con = duckdb.connect()
    cursor = con.execute(f"SELECT * FROM read_parquet('{path}')")
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


@dataclass
class Ledgers:
    """Two datasets (v1, v2) under one folder, with a state db and an output folder."""

    root: Path
    fmt: str = "csv"
    files: dict = field(default_factory=dict)     # (system, day) -> {file name: rows}
    derived: set = field(default_factory=set)     # balance partitions derived by the helper

    @property
    def v1(self) -> Path:
        return self.root / "v1"

    @property
    def v2(self) -> Path:
        return self.root / "v2"

    @property
    def db(self) -> Path:
        return self.root / "recon.duckdb"

    @property
    def out(self) -> Path:
        return self.root / "out"

    def entries(self, system: str, rows: list[dict], day: str = DAY, name: str = "part-0",
                columns=ENTRY_COLUMNS, fmt: str | None = None) -> Path:
        fmt = fmt or self.fmt
        path = self.root / system / "entries" / f"biz_date={day}" / f"{name}.{fmt}"
        self.files.setdefault((system, day), {})[name] = list(rows)
        return write_rows(path, rows, columns, fmt)

    def balances(self, system: str, rows: list[dict], day: str = DAY, name: str = "part-0",
                 fmt: str | None = None) -> Path:
        fmt = fmt or self.fmt
        path = self.root / system / "balances" / f"biz_date={day}" / f"{name}.{fmt}"
        return write_rows(path, rows, BALANCE_COLUMNS, fmt)

    def derived_balances(self) -> None:
        """Unless a test wrote balances for a (system, date) it wrote entries for, give
        every account there a balance row that rolls forward cleanly from 0.00."""
        for (system, day), files in self.files.items():
            part = self.root / system / "balances" / f"biz_date={day}"
            if part.exists() and (system, day) not in self.derived:
                continue  # the test wrote these balances itself
            self.derived.add((system, day))
            closing: dict[str, Decimal] = {}
            for row in (r for rows in files.values() for r in rows):
                if row.get("account_id") is None:
                    continue
                try:
                    amount = Decimal(row["amount"])
                except (TypeError, ArithmeticError):
                    continue
                if row["direction"] not in ("C", "D") or amount != round(amount, 2) \
                        or not 0 <= amount < 10**16:
                    continue
                sign = 1 if row["direction"] == "C" else -1
                closing[row["account_id"]] = closing.get(row["account_id"], Decimal(0)) \
                    + sign * amount
            self.balances(system, [
                {"account_id": a, "opening_balance": "0.00", "closing_balance": f"{c:.2f}",
                 "currency": "CNY"} for a, c in sorted(closing.items())], day=day)

    def diff(self, *args: str, day: str = DAY, v1: Path | None = None,
             v2: Path | None = None, derive_balances: bool = True, html: bool = False) -> Run:
        """`recon diff` on these ledgers. The HTML page is left out unless asked for: it
        has tests of its own (test_html.py), and drawing its charts would be most of the
        time of these small runs."""
        if derive_balances:
            self.derived_balances()
        argv = ["diff", "--v1", str(v1 or self.v1), "--v2", str(v2 or self.v2),
                "--out", str(self.out), "--db", str(self.db), *args]
        if not html and "--html" not in args:
            argv.append("--no-html")
        if "--from" not in args and "--date" not in args:
            argv += ["--date", day]
        return self.invoke(*argv)

    def invoke(self, *argv: str) -> Run:
        result = CliRunner().invoke(cli, list(argv), catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr, self.out)


@pytest.fixture
def ledgers(tmp_path) -> Ledgers:
    return Ledgers(tmp_path)


@pytest.fixture(params=["csv", "parquet"])
def any_format_ledgers(tmp_path, request) -> Ledgers:
    return Ledgers(tmp_path, fmt=request.param)


def findings(run: Run, day: str = DAY) -> set[tuple]:
    """The worklist as comparable tuples: (kind, system, account, v1 serial, v2 serial,
    field, v1 value, v2 value, amount_impact)."""
    return {
        (r["kind"], r["system"], r["account_id"], r["v1_serial_no"], r["v2_serial_no"],
         r["field"], r["v1_value"], r["v2_value"], r["amount_impact"])
        for r in run.worklist(day)
    }


# -- a real browser (make test-browser) ---------------------------------------------------

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"


@pytest.fixture
def browser():
    webdriver = pytest.importorskip(
        "selenium.webdriver", reason="selenium is not installed (make test-browser)")
    if not (Path(CHROMIUM).exists() and Path(CHROMEDRIVER).exists()):
        pytest.skip("Debian's chromium and chromium-driver are not installed "
                    "(make test-browser installs them)")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--window-size=1400,1000"):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def month_end(db: Path, out: Path, month: str = "2026-02"):
    """`recon month-end` on a state: the CLI's result and the check's summary.json (None
    when it wrote none)."""
    result = CliRunner().invoke(cli, ["month-end", "--month", month, "--db", str(db),
                                      "--out", str(out)], catch_exceptions=False)
    folder = out / f"month-end-{month}"
    summary = json.loads((folder / "summary.json").read_text()) \
        if (folder / "summary.json").exists() else None
    return result, summary
