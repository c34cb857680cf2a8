"""report.html and month-end-YYYY-MM.html: the pages people look at.

Each page is one self-contained file: CSS and the small table script inline, charts as
inline SVG drawn by matplotlib (recon/charts.py), no network reference of any kind. The
page's figures are gathered first into one plain-JSON "data section", embedded in the
page as <script type="application/json" id="report-data">; the visible page is rendered
from that data by a Jinja2 template (autoescaped), so what the page says and what the
data section says cannot disagree.
"""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from recon import charts, queries
from recon.explain import SIDE_BY_SIDE, explain
from recon.money import exact, plain, shown
from recon.monthend import MonthEnd
from recon.result import DateResult
from recon.worklist import AGEING_BUCKETS

TREND_DAYS = 30
EXPLAINED_ACCOUNTS = 5
WORKLIST_ROWS = 5000          # the page's table; the full list is worklist.csv
WORKLIST_SHOWN = ("item_id", "kind", "severity", "status", "account_id", "v1_serial_no",
                  "v2_serial_no", "field", "v1_value", "v2_value", "amount_impact", "residual",
                  "fix_side", "first_seen", "suggested_action")

_env = Environment(loader=PackageLoader("recon", "templates"),
                   autoescape=select_autoescape(["html", "j2"]),
                   undefined=StrictUndefined, trim_blocks=True, lstrip_blocks=True)


def date_data(con, result: DateResult) -> dict:
    """The data section of a date's report.html (everything the page shows)."""
    d = result.biz_date
    balances = result.balances
    trend = [
        {"biz_date": day.isoformat(), "findings": int(findings),
         "unexplained": exact(Decimal(unexplained or "0"))}
        for day, findings, unexplained in con.execute(
            "SELECT biz_date, arg_max(CAST(counts->>'findings_total' AS BIGINT), started_at), "
            "       arg_max(counts->'balances'->>'unexplained_abs', started_at) "
            "FROM runs WHERE status = 'succeeded' AND biz_date < ? "
            "GROUP BY biz_date ORDER BY biz_date DESC LIMIT ?",
            [d, TREND_DAYS - 1]).fetchall()[::-1]
    ]
    trend.append({"biz_date": d.isoformat(), "findings": result.findings,
                  "unexplained": exact(balances.unexplained if balances else None)
                  or "0.00"})
    accounts = [explain(con, d, a.account_id, compared=result.compare_fields).as_data()
                for a in result.top_accounts[:EXPLAINED_ACCOUNTS]]
    cursor = con.execute(queries.query("worklist_for_date").strip().rstrip(";")
                         + f" LIMIT {WORKLIST_ROWS}", {"d": d})
    names = [c[0] for c in cursor.description]
    rows = [{k: plain(v) for k, v in zip(names, row, strict=True) if k in WORKLIST_SHOWN}
            for row in cursor.fetchall()]
    return {
        "biz_date": d.isoformat(),
        "verdict": result.verdict,
        "headline": {
            "entries_v1": result.v1.rows_read,
            "entries_v2": result.v2.rows_read,
            "matched": result.v1.rows_matched,
            "findings": result.findings,
            "rejected": result.rejected,
            "accounts_checked": balances.accounts_checked if balances else 0,
            "accounts_differing": balances.accounts_differing if balances else 0,
            "accounts_unexplained": balances.accounts_unexplained if balances else 0,
            "difference": exact(balances.difference) if balances else "0.00",
            "explained": exact(balances.explained) if balances else "0.00",
            "unexplained": exact(balances.unexplained) if balances else "0.00",
        },
        "kinds": [{"kind": k.kind, "count": k.count, "abs_impact": exact(k.abs_impact)}
                  for k in result.kinds],
        "severity": dict(result.severities),
        "trend": trend,
        "ageing": [{"bucket": b, "items": n} for b, n in result.ageing],
        "accounts": accounts,
        "worklist": {"total": result.findings, "shown": len(rows), "columns":
                     [c for c in WORKLIST_SHOWN if c in names], "rows": rows},
    }


def render_date(data: dict) -> str:
    """report.html from its data section."""
    kinds = [(k["kind"], k["count"], Decimal(k["abs_impact"])) for k in data["kinds"]]
    trend = [(date.fromisoformat(t["biz_date"]), t["findings"], Decimal(t["unexplained"]))
             for t in data["trend"]]
    figures = {
        "kinds": charts.by_kind(kinds),
        "trend": charts.trend(trend),
        "ageing": charts.ageing([(a["bucket"], a["items"]) for a in data["ageing"]]),
    }
    return _env.get_template("report.html.j2").render(
        title=f"Reconciliation report — {data['biz_date']}", data=data, figures=figures,
        side_by_side=SIDE_BY_SIDE, data_json=_json_for_script(data), money=shown)


def month_end_data(result: MonthEnd) -> dict:
    """The data section of month-end-YYYY-MM.html: the month-end summary.json."""
    return result.summary()


def render_month_end(data: dict) -> str:
    main_flows = [f for f in data["flows"] if f["biz_type"] in ("DEPOSIT", "WITHDRAW")]
    pivot = data["open_work"]["by_severity_and_age"]
    figures = {
        "flows": charts.flows(
            [(f"{f['legal_entity'] or '(none)'} {f['biz_type']} {f['direction']} "
              f"{f['currency']}", Decimal(f["v1_amount"]), Decimal(f["v2_amount"]))
             for f in main_flows], "deposits and withdrawals: v1 against v2"),
        "ageing": charts.ageing([(b, sum(pivot[s][b] for s in pivot)) for b in AGEING_BUCKETS],
                                "open worklist items at month end, by age"),
    }
    return _env.get_template("month_end.html.j2").render(
        title=f"Month-end check — {data['month']}", data=data, figures=figures,
        data_json=_json_for_script(data), money=shown)


def _json_for_script(data: dict) -> str:
    # Inside <script>, "</" would end the element: escape it (and <!-- for old parsers).
    text = json.dumps(data, indent=1, ensure_ascii=False, sort_keys=True)
    return text.replace("</", "<\\/").replace("<!--", "<\\!--")
