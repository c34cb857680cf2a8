"""The month-end check's files, under `<out>/month-end-YYYY-MM/`: summary.json,
report.md, month-end-YYYY-MM.xlsx (one sheet per section) and month-end-YYYY-MM.html.
Written to a staging folder and swapped in whole, like a date's outputs.
"""

from __future__ import annotations

import json
import shutil
import uuid
from datetime import date
from decimal import Decimal
from pathlib import Path

import xlsxwriter

from recon.money import shown, shown_by_currency
from recon.reports import html
from recon.reports.folders import publish, writing
from recon.text import md_cell as md
from recon.views.month_end import MonthEnd
from recon.views.worklist import AGEING_BUCKETS

REPORT_ROWS = 50   # report.md lists at most this many rows per table; the xlsx has all


def write(result: MonthEnd, out_dir: Path) -> Path:
    final = result.folder(out_dir)
    name = final.name
    staging = Path(out_dir) / f".{name}.{uuid.uuid4().hex[:8]}.tmp"
    with writing(out_dir):
        staging.mkdir(parents=True, exist_ok=False)
    try:
        (staging / "summary.json").write_text(
            json.dumps(result.summary(), indent=2, ensure_ascii=False) + "\n",
            encoding="utf-8")
        (staging / "report.md").write_text(render(result), encoding="utf-8")
        write_xlsx(result, staging / f"{name}.xlsx")
        (staging / f"{name}.html").write_text(
            html.render_month_end(html.month_end_data(result)),
            encoding="utf-8")
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return publish(staging, final)


def render(result: MonthEnd) -> str:
    """report.md: the finance month-end sign-off sheet."""
    lines: list[str] = []
    add = lines.append
    month = result.month
    add(f"# Month-end check — {month} ({month.first} to {month.last})")
    add("")
    add(f"**Verdict: {result.verdict}**")
    add("")
    for reason in result.reasons:
        add(f"- {md(reason)}")
    if result.reasons:
        add("")

    add("## 1. Coverage")
    add("")
    reconciled = len(result.coverage) - len(result.missing_dates)
    add(f"{reconciled} of {len(result.coverage)} dates reconciled successfully.")
    if result.missing_dates:
        add("")
        add("| date | status | run | message |")
        add("|---|---|---|---|")
        for c in result.coverage:
            if c.status != "reconciled":
                add(f"| {c.biz_date} | {c.status} | {md(c.run_id)} | {md(c.message)} |")
    add("")

    add("## 2. Flows (出入金流水校验)")
    add("")
    untied = result.untied_flows
    add(f"{len(result.flows)} row(s) of legal_entity × biz_type × direction × currency; "
        f"{len(untied)} do not tie out.")
    add("")
    add("| legal_entity | biz_type | dir | ccy | v1 count | v1 amount | v2 count | v2 amount "
        "| Δ count | Δ amount |")
    add("|---|---|---|---|---:|---:|---:|---:|---:|---:|")
    listed = [f for f in result.flows if f.biz_type in ("DEPOSIT", "WITHDRAW") or not f.ties]
    for f in listed[:REPORT_ROWS]:
        mark = "" if f.ties else "**"
        add(f"| {mark}{md(f.legal_entity or '(none)')}{mark} | {md(f.biz_type)} | "
            f"{md(f.direction)} | {md(f.currency)} | {f.v1_count:,} | {shown(f.v1_amount)} | "
            f"{f.v2_count:,} | {shown(f.v2_amount)} | {mark}{f.count_difference:+,}{mark} | "
            f"{mark}{shown(f.amount_difference)}{mark} |")
    hidden = len(result.flows) - min(len(listed), REPORT_ROWS)
    if hidden:
        add("")
        add(f"{hidden} more row(s) (other biz types that tie out) are in the spreadsheet.")
    add("")

    add("## 3. Active accounts")
    add("")
    a = result.active
    add(f"Accounts with at least one entry in the month: v1 {a.v1:,}, v2 {a.v2:,}; "
        f"only in v1: {len(a.only_v1):,}; only in v2: {len(a.only_v2):,}.")
    for label, accounts in (("Only in v1", a.only_v1), ("Only in v2", a.only_v2)):
        if accounts:
            add("")
            add(f"{label}: " + ", ".join(md(x) for x in accounts[:REPORT_ROWS])
                + (f" and {len(accounts) - REPORT_ROWS:,} more" if len(accounts) > REPORT_ROWS
                   else ""))
    add("")

    add("## 4. Month-end balances")
    add("")
    if result.balances_as_of is None:
        add("No date of the month was reconciled: no balances to show.")
    else:
        if result.balances_as_of != month.last:
            add(f"The last day was not reconciled: balances as of {result.balances_as_of}.")
            add("")
        add(f"Σ closing balance per legal entity on {result.balances_as_of} (each system "
            f"attributes an account to the entity of its own latest entry):")
        add("")
        add("| legal_entity | ccy | v1 accounts | v1 closing | v2 accounts | v2 closing | Δ |")
        add("|---|---|---:|---:|---:|---:|---:|")
        for b in result.closing:
            add(f"| {md(b.legal_entity or '(none)')} | {md(b.currency)} | {b.v1_accounts:,} | "
                f"{shown(b.v1_closing)} | {b.v2_accounts:,} | {shown(b.v2_closing)} | "
                f"{shown(b.difference)} |")
        add("")
        totals = result.totals()
        add(f"{len(result.differing):,} account(s) with differing closing balances: "
            f"difference {shown_by_currency(totals['difference_abs'])}, explained "
            f"{shown_by_currency(totals['explained_abs'])}, **unexplained "
            f"{shown_by_currency(totals['unexplained_abs'])}** (Σ of absolute values, per "
            f"currency).")
        if result.differing:
            add("")
            add("| account | kind | ccy | v1 closing | v2 closing | difference | explained "
                "| unexplained | in transit | status |")
            add("|---|---|---|---:|---:|---:|---:|---:|---:|---|")
            for d in result.differing[:REPORT_ROWS]:
                transit = shown(result.in_transit_of(d.account_id))
                if result.explained_by_in_transit(d):
                    transit += " (all of it)"
                add(f"| {md(d.account_id)} | {d.kind} | {md(d.currency)} | "
                    f"{shown(d.v1_closing)} | {shown(d.v2_closing)} | {shown(d.difference)} | "
                    f"{shown(d.explained)} | {shown(d.unexplained)} | {transit} | "
                    f"{d.status} |")
    add("")
    if result.in_transit:
        add(f"In transit at {month.last}: {len(result.in_transit):,} MISSING_IN_* item(s) of "
            f"the last {result.timing_window_days} day(s), still open, that the other side "
            f"may post in the next month: Σ amount_impact "
            + ", ".join(f"{md(c)} {shown(t)}"
                         for c, t in result.in_transit_by_currency().items())
            + ".")
        add("")
        for i in result.in_transit[:REPORT_ROWS]:
            add(f"- {i['biz_date']} {i['kind']} {md(i['account_id'])} serial "
                f"{md(i['v1_serial_no'] or i['v2_serial_no'])} {md(i['currency'])} "
                f"{shown(i['amount_impact'])}")
        add("")

    add("## 5. Open work at month end")
    add("")
    add(f"{len(result.open_items):,} worklist item(s) new or open, first seen on or before "
        f"{month.last}:")
    add("")
    add("| severity | " + " | ".join(AGEING_BUCKETS) + " |")
    add("|---|" + "---:|" * len(AGEING_BUCKETS))
    for severity, buckets in result.open_by_severity_and_age().items():
        add(f"| {severity} | " + " | ".join(f"{buckets[b]:,}" for b in AGEING_BUCKETS) + " |")
    if result.open_p1:
        add("")
        add("P1 items:")
        add("")
        for i in result.open_p1[:REPORT_ROWS]:
            add(f"- `{i['item_id']}` {i['kind']} {md(i['account_id'])} "
                f"{md(i['currency'])} {shown(i['amount_impact'])}, open {i['age_days']} d")
    add("")
    return "\n".join(lines)


SHEETS = ("Verdict", "Coverage", "Flows", "Active accounts", "Closing balances",
          "Differing accounts", "Open work")


def write_xlsx(result: MonthEnd, path: Path) -> None:
    """One sheet per section. Amounts are numbers shown with two decimals (Excel keeps
    numbers as doubles; summary.json has the exact decimal strings)."""
    book = xlsxwriter.Workbook(str(path))
    fmt = {
        "head": book.add_format({"bold": True, "bg_color": "#DDE4EE", "border": 1}),
        "money": book.add_format({"num_format": "#,##0.00"}),
        "count": book.add_format({"num_format": "#,##0"}),
        "date": book.add_format({"num_format": "yyyy-mm-dd"}),
        "bad": book.add_format({"bg_color": "#F8D7DA"}),
        "title": book.add_format({"bold": True, "font_size": 14}),
    }

    def table(name: str, columns: list[tuple[str, str | None]], rows: list[tuple],
              start: int = 0, flag: list[bool] | None = None, filters: bool = True) -> None:
        sheet = book.get_worksheet_by_name(name) or book.add_worksheet(name)
        for j, (title, _) in enumerate(columns):
            sheet.write(start, j, title, fmt["head"])
            sheet.set_column(j, j, max(12, len(title) + 2))
        for i, row in enumerate(rows, start=start + 1):
            for j, (value, (_, kind)) in enumerate(zip(row, columns, strict=True)):
                _write(sheet, i, j, value, fmt[kind] if kind else None)
            if flag and flag[i - start - 1]:
                sheet.set_row(i, None, fmt["bad"])
        if filters:  # one filter per sheet: on the sheet's main (last) table
            sheet.autofilter(start, 0, start + max(len(rows), 1), len(columns) - 1)
            sheet.freeze_panes(start + 1, 0)

    verdict = book.add_worksheet("Verdict")
    verdict.set_column(0, 0, 22)
    verdict.set_column(1, 1, 110)
    verdict.write(0, 0, f"Month-end check {result.month}", fmt["title"])
    verdict.write(2, 0, "verdict", fmt["head"])
    verdict.write(2, 1, result.verdict, fmt["bad"] if result.reasons else None)
    verdict.write(3, 0, "balances as of", fmt["head"])
    _write(verdict, 3, 1, result.balances_as_of, fmt["date"])
    for i, reason in enumerate(result.reasons, start=4):
        verdict.write(i, 0, "reason", fmt["head"])
        verdict.write(i, 1, reason)

    table("Coverage", [("biz_date", "date"), ("status", None), ("run_id", None),
                       ("message", None)],
          [(c.biz_date, c.status, c.run_id, c.message) for c in result.coverage],
          flag=[c.status != "reconciled" for c in result.coverage])
    table("Flows", [("legal_entity", None), ("biz_type", None), ("direction", None),
                    ("currency", None), ("v1_count", "count"), ("v1_amount", "money"),
                    ("v2_count", "count"), ("v2_amount", "money"),
                    ("count_difference", "count"), ("amount_difference", "money"),
                    ("ties", None)],
          [(f.legal_entity, f.biz_type, f.direction, f.currency, f.v1_count, f.v1_amount,
            f.v2_count, f.v2_amount, f.count_difference, f.amount_difference,
            "yes" if f.ties else "NO") for f in result.flows],
          flag=[not f.ties for f in result.flows])
    a = result.active
    table("Active accounts", [("system", None), ("active accounts", "count"),
                              ("active in this system only", "count")],
          [("v1", a.v1, len(a.only_v1)), ("v2", a.v2, len(a.only_v2))], filters=False)
    one_sided = [(x, "v1") for x in a.only_v1] + [(x, "v2") for x in a.only_v2]
    table("Active accounts", [("account_id (active in one system only)", None),
                              ("active in", None)], one_sided, start=4)
    table("Closing balances", [("legal_entity", None), ("currency", None),
                               ("v1_accounts", "count"), ("v1_closing", "money"),
                               ("v2_accounts", "count"), ("v2_closing", "money"),
                               ("difference", "money")],
          [(b.legal_entity, b.currency, b.v1_accounts, b.v1_closing, b.v2_accounts,
            b.v2_closing, b.difference) for b in result.closing],
          flag=[b.difference != 0 for b in result.closing])
    table("Differing accounts", [("account_id", None), ("kind", None), ("currency", None),
                                 ("v1_closing", "money"), ("v2_closing", "money"),
                                 ("difference", "money"), ("explained", "money"),
                                 ("unexplained", "money"), ("severity", None),
                                 ("status", None), ("item_id", None)],
          [(d.account_id, d.kind, d.currency, d.v1_closing, d.v2_closing, d.difference,
            d.explained, d.unexplained, d.severity, d.status, d.item_id)
           for d in result.differing])
    pivot = result.open_by_severity_and_age()
    table("Open work", [("severity", None)] + [(b, "count") for b in AGEING_BUCKETS],
          [(s, *(pivot[s][b] for b in AGEING_BUCKETS)) for s in pivot], filters=False)
    table("Open work", [("item_id", None), ("kind", None), ("severity", None),
                        ("status", None), ("account_id", None), ("first_seen", "date"),
                        ("age_days", "count"), ("amount_impact", "money"),
                        ("currency", None), ("suggested_action", None)],
          [(i["item_id"], i["kind"], i["severity"], i["status"], i["account_id"],
            i["first_seen"], i["age_days"], i["amount_impact"], i["currency"],
            i["suggested_action"])
           for i in result.open_items], start=len(pivot) + 3)
    book.close()


def _write(sheet, row: int, col: int, value, cell_format) -> None:
    if value is None:
        sheet.write_blank(row, col, None, cell_format)
    elif isinstance(value, Decimal):
        sheet.write_number(row, col, float(value), cell_format)
    elif isinstance(value, date):
        sheet.write_datetime(row, col, value, cell_format)
    elif isinstance(value, int):
        sheet.write_number(row, col, value, cell_format)
    else:
        sheet.write_string(row, col, str(value), cell_format)
