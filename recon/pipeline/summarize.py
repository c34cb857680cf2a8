"""The summarize stage: what a date's run says, gathered from the state inside the run's
transaction: the `DateResult` (summary.json, report.md, the terminal line and the exit
code are rendered from it) and the `DatePage` of report.html. The renderers
(recon/reports/) receive these and query nothing.
"""

from __future__ import annotations

import json
from datetime import date

from recon import queries
from recon.contract import KINDS
from recon.dates import utcnow
from recon.money import by_currency
from recon.pipeline.run import DateRun
from recon.result import AccountDiff, BalanceTotals, DateResult, KindTotal
from recon.views import worklist
from recon.views.explain import explain
from recon.views.page import DatePage, TrendPoint

TOP_ACCOUNTS = 10
SAMPLE_ROWS = 5
TREND_DAYS = 30
EXPLAINED_ACCOUNTS = 5
WORKLIST_ROWS = 5000          # the page's table; the full list is worklist.csv


def run(r: DateRun) -> None:
    with r.stages.stage("summarize") as stage:
        r.result = date_result(r)
        stage.rows = r.result.findings


def date_result(r: DateRun) -> DateResult:
    """The date's result, once its findings, audits and worklist are in the state."""
    con, d = r.con, r.biz_date
    severities = queries.run(con, "views/date_severities", {"d": d}).fetchall()
    window = r.config.timing_window_days
    return DateResult(
        biz_date=d,
        run_id=r.run_id,
        started_at=r.started,
        finished_at=utcnow(),
        v1=r.systems["v1"],
        v2=r.systems["v2"],
        compare_fields=r.fields,
        skipped_fields=r.skipped,
        kinds=_kind_totals(con, d),
        severities=tuple((s, n) for s, n, _ in severities),
        unaccepted=tuple((s, n) for s, _, n in severities if n),
        statuses=tuple(queries.run(con, "views/date_statuses", {"d": d}).fetchall()),
        rejects_by_reason=tuple(queries.run(con, "views/date_rejects", {"d": d}).fetchall()),
        top_accounts=tuple(AccountDiff(*row) for row in queries.run(
            con, "views/account_differences", {"d": d, "limit": TOP_ACCOUNTS}).fetchall()),
        samples=_samples(con, d),
        resolved=r.resolved,
        balances=balance_totals(con, d),
        ageing=worklist.ageing(con, d),
        out_dir=str(r.request.out_dir / d.isoformat()),
        engine=r.engine.name,
        in_transit=worklist.in_transit(con, d, window),
        timing_window_days=window,
        cut_over=tuple(queries.run(con, "views/date_cut_over", {"d": d}).fetchall()),
    )


def date_page(con, result: DateResult) -> DatePage:
    """What the date's report.html shows, gathered in the run's transaction: the result,
    the trend of the dates before it, the waterfalls of the accounts with the largest
    differences, and the first rows of the worklist."""
    d = result.biz_date
    trend = tuple(TrendPoint(day, int(findings), _per_currency(unexplained))
                  for day, findings, unexplained in queries.run(
                      con, "views/trend", {"d": d, "days": TREND_DAYS - 1}).fetchall()[::-1])
    accounts = tuple(explain(con, d, a.account_id, compared=result.compare_fields)
                     for a in result.top_accounts[:EXPLAINED_ACCOUNTS])
    query = queries.query("views/worklist_for_date").strip().rstrip(";")
    cursor = con.execute(f"{query} LIMIT {WORKLIST_ROWS}", {"d": d})
    names = tuple(c[0] for c in cursor.description)
    rows = tuple(dict(zip(names, row, strict=True)) for row in cursor.fetchall())
    return DatePage(result, trend, accounts, names, rows)


def balance_totals(con, biz_date: date) -> BalanceTotals:
    rows = queries.run(con, "views/balance_totals", {"d": biz_date}).fetchall()
    checked, differing, unexplained = rows[0][:3]
    money = [r for r in rows if r[3] is not None]
    return BalanceTotals(checked, differing, unexplained,
                         by_currency((r[3], r[4]) for r in money),
                         by_currency((r[3], r[5]) for r in money),
                         by_currency((r[3], r[6]) for r in money))


def _per_currency(stored: str | None) -> dict[str, str]:
    """A run's stored unexplained_abs: {currency: amount}; a run recorded before totals
    were per currency stored one sum of every currency, which is not shown."""
    value = json.loads(stored) if stored and stored.startswith("{") else None
    return value if isinstance(value, dict) else {}


def _kind_totals(con, biz_date: date) -> tuple[KindTotal, ...]:
    """Per kind: its findings, and Σ |amount_impact| per currency."""
    kinds: dict[str, list] = {}
    for kind, currency, count, total in queries.run(con, "views/date_kinds",
                                                    {"d": biz_date}).fetchall():
        kinds.setdefault(kind, []).append((currency, count, total))
    return tuple(KindTotal(kind, sum(n for _, n, _ in parts),
                           by_currency((c, t) for c, _, t in parts))
                 for kind, parts in kinds.items())


def _samples(con, biz_date: date) -> tuple[tuple[str, tuple[dict, ...]], ...]:
    cursor = queries.run(con, "views/date_samples", {"d": biz_date, "rows": SAMPLE_ROWS})
    names = [d[0] for d in cursor.description]
    grouped: dict[str, list[dict]] = {}
    for row in cursor.fetchall():
        record = dict(zip(names, row, strict=True))
        grouped.setdefault(record["kind"], []).append(record)
    return tuple((kind, tuple(grouped[kind])) for kind in KINDS if kind in grouped)
