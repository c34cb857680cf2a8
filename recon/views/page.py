"""What report.html shows of a date, as a record: `DatePage`, gathered by the summarize
stage (recon/pipeline/summarize.py) and rendered by recon/reports/html.py."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from recon.money import exact, exact_by_currency, plain
from recon.result import DateResult
from recon.views.explain import Explanation

# What an engineer acts on first, so that it is on screen without scrolling sideways;
# the identifying details after it.
WORKLIST_SHOWN = ("item_id", "severity", "kind", "account_id", "amount_impact", "currency",
                  "fix_side", "suggested_action", "v1_value", "v2_value", "v1_serial_no",
                  "v2_serial_no", "field", "residual", "status", "first_seen")


@dataclass(frozen=True)
class TrendPoint:
    """One earlier date of the trend: its findings and unexplained difference, as its
    run recorded them ({currency: amount as text})."""

    biz_date: date
    findings: int
    unexplained: dict[str, str]


@dataclass(frozen=True)
class DatePage:
    """What report.html shows of a date: its result, the trend of the dates before it,
    the waterfalls of the accounts with the largest differences, and the first rows of
    its worklist (all of them are in worklist.csv). `as_data` is the page's data
    section, from which the page itself is rendered (recon/reports/html.py)."""

    result: DateResult
    trend: tuple[TrendPoint, ...]
    accounts: tuple[Explanation, ...]
    worklist_columns: tuple[str, ...]
    worklist_rows: tuple[dict, ...]

    def as_data(self) -> dict:
        r, b = self.result, self.result.balances
        trend = [{"biz_date": t.biz_date.isoformat(), "findings": t.findings,
                  "unexplained": t.unexplained} for t in self.trend]
        trend.append({"biz_date": r.biz_date.isoformat(), "findings": r.findings,
                      "unexplained": exact_by_currency(b.unexplained if b else ())})
        shown = WORKLIST_SHOWN + (("record",) if r.cut_over else ())
        rows = [{k: plain(v) for k, v in row.items() if k in shown}
                for row in self.worklist_rows]
        data = {
            "biz_date": r.biz_date.isoformat(),
            "verdict": r.verdict,
            "headline": {
                "entries_v1": r.v1.rows_read,
                "entries_v2": r.v2.rows_read,
                "matched": r.v1.rows_matched,
                "findings": r.findings,
                "rejected": r.rejected,
                "accounts_checked": b.accounts_checked if b else 0,
                "accounts_differing": b.accounts_differing if b else 0,
                "accounts_unexplained": b.accounts_unexplained if b else 0,
                "difference": exact_by_currency(b.difference if b else ()),
                "explained": exact_by_currency(b.explained if b else ()),
                "unexplained": exact_by_currency(b.unexplained if b else ()),
            },
            "kinds": [{"kind": k.kind, "count": k.count,
                       "abs_impact": exact_by_currency(k.abs_impact)} for k in r.kinds],
            "severity": dict(r.severities),
            "trend": trend,
            "ageing": [{"bucket": bucket, "items": n} for bucket, n in r.ageing],
            "in_transit": {"window_days": r.timing_window_days,
                           "by_currency": [{"currency": c, "items": n,
                                            "amount_impact": exact(t)}
                                           for c, n, t in r.in_transit]},
            "accounts": [a.as_data() for a in self.accounts],
            "worklist": {"total": r.findings, "shown": len(rows),
                         "columns": [c for c in shown if c in self.worklist_columns],
                         "rows": rows},
        }
        if r.cut_over:   # only then: a page of a ledger with no cut-over is as it was
            data["cut_over"] = {a: since.isoformat() for a, since in r.cut_over}
        return data
