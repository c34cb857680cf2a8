"""What a date's run says, gathered from the state database inside the run's transaction:
the `DateResult` (summary.json, report.md, the terminal line and the exit code are
rendered from it) and the data section of report.html. The renderers (recon/report.py,
recon/html_report.py, the CLI) receive these and query nothing.
"""

from __future__ import annotations

import json
from datetime import UTC, date, datetime
from decimal import Decimal

from recon import queries, worklist
from recon.contract import KINDS
from recon.explain import explain
from recon.money import by_currency, exact, exact_by_currency, plain
from recon.result import AccountDiff, BalanceTotals, DateResult, KindTotal, SystemCounts

TOP_ACCOUNTS = 10
SAMPLE_ROWS = 5
TREND_DAYS = 30
EXPLAINED_ACCOUNTS = 5
WORKLIST_ROWS = 5000          # the page's table; the full list is worklist.csv
# What an engineer acts on first, so that it is on screen without scrolling sideways;
# the identifying details after it.
WORKLIST_SHOWN = ("item_id", "severity", "kind", "account_id", "amount_impact", "currency",
                  "fix_side", "suggested_action", "v1_value", "v2_value", "v1_serial_no",
                  "v2_serial_no", "field", "residual", "status", "first_seen")


def date_result(con, biz_date: date, *, run_id: str, started: datetime,
                systems: dict[str, SystemCounts], compare_fields: tuple[str, ...],
                skipped_fields: tuple[str, ...], resolved: int, out_dir: str,
                engine: str, window: int) -> DateResult:
    """The date's result, once its findings, audits and worklist are in the state."""
    return DateResult(
        biz_date=biz_date,
        run_id=run_id,
        started_at=started,
        finished_at=datetime.now(UTC).replace(tzinfo=None, microsecond=0),
        v1=systems["v1"],
        v2=systems["v2"],
        compare_fields=compare_fields,
        skipped_fields=skipped_fields,
        kinds=_kind_totals(con, biz_date),
        severities=tuple(con.execute(
            "SELECT severity, count(*) FROM findings WHERE biz_date = ? "
            "GROUP BY 1 ORDER BY 1", [biz_date]).fetchall()),
        unaccepted=tuple(con.execute(
            "SELECT f.severity, count(*) FROM findings f JOIN worklist w USING (item_id) "
            "WHERE f.biz_date = ? AND w.status <> 'accepted' GROUP BY 1 ORDER BY 1",
            [biz_date]).fetchall()),
        statuses=tuple(con.execute(
            "SELECT w.status, count(*) FROM findings f JOIN worklist w USING (item_id) "
            "WHERE f.biz_date = ? GROUP BY 1 ORDER BY 1", [biz_date]).fetchall()),
        rejects_by_reason=tuple(con.execute(
            "SELECT system, reason, count(*) FROM rejects WHERE biz_date = ? "
            "GROUP BY 1, 2 ORDER BY 1, 3 DESC, 2", [biz_date]).fetchall()),
        top_accounts=_top_accounts(con, biz_date),
        samples=_samples(con, biz_date),
        resolved=resolved,
        balances=_balance_totals(con, biz_date),
        ageing=worklist.ageing(con, biz_date),
        out_dir=out_dir,
        engine=engine,
        in_transit=in_transit(con, biz_date, window),
        timing_window_days=window,
    )


def in_transit(con, as_of: date, window: int) -> tuple[tuple[str, int, Decimal], ...]:
    """The items in transit as of `as_of`, per currency: (currency, items, Σ impact)."""
    query = queries.query("in_transit").strip().rstrip(";")
    return tuple(con.execute(
        f"SELECT currency, count(*), CAST(sum(amount_impact) AS DECIMAL(18,2)) FROM ({query}) "
        f"GROUP BY currency ORDER BY currency",
        queries.bound(query, {"as_of": as_of, "window": window})).fetchall())


def _per_currency(stored: str | None) -> dict[str, str]:
    """A run's stored unexplained_abs: {currency: amount}; a run recorded before totals
    were per currency stored one sum of every currency, which is not shown."""
    value = json.loads(stored) if stored and stored.startswith("{") else None
    return value if isinstance(value, dict) else {}


def _kind_totals(con, biz_date: date) -> tuple[KindTotal, ...]:
    """Per kind: its findings, and Σ |amount_impact| per currency."""
    rows = con.execute(
        "SELECT kind, COALESCE(currency, '?'), count(*), "
        "       CAST(SUM(abs(amount_impact)) AS DECIMAL(38,2)) "
        "FROM findings WHERE biz_date = ? GROUP BY ALL ORDER BY ALL", [biz_date]).fetchall()
    kinds: dict[str, list] = {}
    for kind, currency, count, total in rows:
        kinds.setdefault(kind, []).append((currency, count, total))
    return tuple(KindTotal(kind, sum(n for _, n, _ in parts),
                           by_currency((c, t) for c, _, t in parts))
                 for kind, parts in kinds.items())


def _top_accounts(con, biz_date: date) -> tuple[AccountDiff, ...]:
    rows = queries.run(con, "account_differences", {"d": biz_date, "limit": TOP_ACCOUNTS})
    return tuple(AccountDiff(*row) for row in rows.fetchall())


def _balance_totals(con, biz_date: date) -> BalanceTotals:
    rows = queries.run(con, "balance_totals", {"d": biz_date}).fetchall()
    checked, differing, unexplained = rows[0][:3]
    money = [r for r in rows if r[3] is not None]
    return BalanceTotals(checked, differing, unexplained,
                         by_currency((r[3], r[4]) for r in money),
                         by_currency((r[3], r[5]) for r in money),
                         by_currency((r[3], r[6]) for r in money))


def _samples(con, biz_date: date) -> tuple[tuple[str, tuple[dict, ...]], ...]:
    cursor = con.execute(
        "SELECT * EXCLUDE (rn) FROM ("
        "  SELECT kind, item_id, severity, account_id, v1_serial_no, v2_serial_no, field, "
        "         v1_value, v2_value, amount_impact, residual, suggested_action, "
        "         row_number() OVER (PARTITION BY kind "
        "           ORDER BY severity, abs(amount_impact) DESC, account_id, item_id) AS rn "
        "  FROM findings WHERE biz_date = ?) WHERE rn <= ? ORDER BY kind, rn",
        [biz_date, SAMPLE_ROWS],
    )
    names = [d[0] for d in cursor.description]
    grouped: dict[str, list[dict]] = {}
    for row in cursor.fetchall():
        record = dict(zip(names, row, strict=True))
        grouped.setdefault(record["kind"], []).append(record)
    return tuple((kind, tuple(grouped[kind])) for kind in KINDS if kind in grouped)


def date_page(con, result: DateResult) -> dict:
    """The data section of the date's report.html: everything the page shows, gathered
    in the run's transaction; recon/html_report.py renders it and queries nothing."""
    d = result.biz_date
    balances = result.balances
    trend = [
        {"biz_date": day.isoformat(), "findings": int(findings),
         "unexplained": _per_currency(unexplained)}
        for day, findings, unexplained in con.execute(
            "SELECT biz_date, arg_max(CAST(counts->>'findings_total' AS BIGINT), started_at), "
            "       arg_max(counts->'balances'->>'unexplained_abs', started_at) "
            "FROM runs WHERE status = 'succeeded' AND biz_date < ? "
            "GROUP BY biz_date ORDER BY biz_date DESC LIMIT ?",
            [d, TREND_DAYS - 1]).fetchall()[::-1]
    ]
    trend.append({"biz_date": d.isoformat(), "findings": result.findings,
                  "unexplained": exact_by_currency(balances.unexplained if balances else ())})
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
            "difference": exact_by_currency(balances.difference if balances else ()),
            "explained": exact_by_currency(balances.explained if balances else ()),
            "unexplained": exact_by_currency(balances.unexplained if balances else ()),
        },
        "kinds": [{"kind": k.kind, "count": k.count,
                   "abs_impact": exact_by_currency(k.abs_impact)} for k in result.kinds],
        "severity": dict(result.severities),
        "trend": trend,
        "ageing": [{"bucket": b, "items": n} for b, n in result.ageing],
        "in_transit": {"window_days": result.timing_window_days,
                       "by_currency": [{"currency": c, "items": n, "amount_impact": exact(t)}
                                       for c, n, t in result.in_transit]},
        "accounts": accounts,
        "worklist": {"total": result.findings, "shown": len(rows), "columns":
                     [c for c in WORKLIST_SHOWN if c in names], "rows": rows},
    }
