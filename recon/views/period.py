"""A period of business dates as the team's weekly report needs it (docs/interface.md
§5, `recon summary`): which dates were reconciled, the active accounts, the accounts
whose balances differed and what caused it, failed runs and reruns, the worklist's
movement, the age of what is still open, the month-end verdicts and each cohort's
readiness. One record, `Summary`, rendered as markdown, JSON and HTML
(recon/reports/summary.py)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

import polars as pl

from recon import queries
from recon.contract import BALANCE_KINDS, KINDS
from recon.money import plain
from recon.views.readiness import Readiness
from recon.views.worklist import AGEING_BUCKETS, AGEING_SQL

MEASURES = ("opened", "resolved", "accepted", "open_at_end")
FRAMES = {   # the DataFrames of Summary.frames(), by name: their columns and types
    "dates": {"biz_date": pl.Date, "reconciled": pl.Boolean, "verdict": pl.String,
              "findings": pl.Int64, "run_id": pl.String},
    "active_accounts": {"biz_date": pl.Date, "v1": pl.Int64, "v2": pl.Int64,
                        "equal": pl.Boolean},
    "balance_differences": {"account_id": pl.String, "dates": pl.Int64,
                            "last_date": pl.Date, "last_difference": pl.Decimal(38, 2),
                            "currency": pl.String, "explained": pl.Boolean,
                            "record": pl.String, "causes": pl.String},
    "failed_runs": {"biz_date": pl.Date, "run_id": pl.String, "exit_code": pl.Int64,
                    "message": pl.String},
    "findings": {"measure": pl.String, "kind": pl.String, "items": pl.Int64},
}


@dataclass(frozen=True)
class Difference:
    account_id: str
    dates: int
    last_date: date
    last_difference: Decimal
    currency: str | None
    explained: bool
    record: str
    causes: dict[str, int]


@dataclass(frozen=True)
class Summary:
    first: date
    last: date
    dates: tuple[dict, ...]             # biz_date, reconciled, verdict, findings, run_id
    active_accounts: tuple[dict, ...]   # biz_date, v1, v2, equal
    balance_differences: tuple[Difference, ...]
    failed_runs: tuple[dict, ...]       # biz_date, run_id, exit_code, message
    reruns: tuple[date, ...]
    findings: dict[str, dict[str, int]]   # measure -> kind -> items
    ageing: tuple[tuple[str, int], ...]
    month_end: tuple[dict, ...]         # month, verdict, reasons
    readiness: Readiness

    @property
    def reconciled(self) -> tuple[date, ...]:
        return tuple(d["biz_date"] for d in self.dates if d["reconciled"])

    @property
    def not_reconciled(self) -> tuple[date, ...]:
        return tuple(d["biz_date"] for d in self.dates if not d["reconciled"])

    def total(self, measure: str) -> int:
        return sum(self.findings[measure].values())

    def frames(self) -> dict[str, pl.DataFrame]:
        """Its tables as DataFrames (money as Decimal(38,2)); an empty one keeps its
        columns."""
        differences = [{**b.__dict__, "causes": ", ".join(f"{k} {n}" for k, n in
                                                           b.causes.items())}
                       for b in self.balance_differences]
        findings = [{"measure": m, "kind": k, "items": n} for m in MEASURES
                    for k, n in self.findings[m].items()]
        return {name: pl.DataFrame(rows, schema=FRAMES[name])
                for name, rows in (("dates", list(self.dates)),
                                   ("active_accounts", list(self.active_accounts)),
                                   ("balance_differences", differences),
                                   ("failed_runs", list(self.failed_runs)),
                                   ("findings", findings))} | {
            "cohorts": self.readiness.frame()}

    def as_data(self) -> dict:
        return {
            "from": self.first.isoformat(), "to": self.last.isoformat(),
            "dates": [{**d, "biz_date": d["biz_date"].isoformat()} for d in self.dates],
            "active_accounts": [{**a, "biz_date": a["biz_date"].isoformat()}
                                for a in self.active_accounts],
            "balance_differences": [
                {"account_id": b.account_id, "dates": b.dates,
                 "last_date": b.last_date.isoformat(),
                 "last_difference": plain(b.last_difference), "currency": b.currency,
                 "causes": b.causes, "explained": b.explained, "record": b.record}
                for b in self.balance_differences],
            "failed_runs": [{**r, "biz_date": r["biz_date"].isoformat()}
                            for r in self.failed_runs],
            "reruns": [d.isoformat() for d in self.reruns],
            "findings": self.findings,
            "ageing": dict(self.ageing),
            "month_end": list(self.month_end),
            "cohorts": self.readiness.as_data()["cohorts"],
            "readiness_days": self.readiness.days,
        }


def gather(con, first: date, last: date, runs: list, readiness: Readiness) -> Summary:
    """The period from `first` to `last` on `con` (its dates' tables, the whole worklist,
    the cut-over); `runs` every run (recon/ops/status.py's, killed ones named so)."""
    params = {"first": first, "last": last}
    kinds = ", ".join(f"'{k}'" for k in BALANCE_KINDS)
    in_period = [r for r in runs if first <= r.biz_date <= last]
    latest = {r.biz_date: r for r in in_period if r.status == "succeeded"}
    dates = tuple(
        {"biz_date": d, "reconciled": d in latest,
         "verdict": latest[d].summary.get("verdict") if d in latest else None,
         "findings": latest[d].summary.get("findings_total") if d in latest else None,
         "run_id": latest[d].run_id if d in latest else None}
        for d in (first + timedelta(days=i) for i in range((last - first).days + 1)))
    active = tuple({"biz_date": d, "v1": v1, "v2": v2, "equal": equal} for d, v1, v2, equal
                   in queries.run(con, "views/period_active_accounts", params).fetchall())
    causes: dict[str, dict[str, int]] = {}
    for account, kind, n in queries.run(con, "views/period_causes", params,
                                        balance_kinds=kinds).fetchall():
        causes.setdefault(account, {})[kind] = n
    differences = tuple(
        Difference(*row, causes=causes.get(row[0], {}))
        for row in queries.run(con, "views/period_balance_differences", params,
                               balance_kinds=kinds).fetchall())
    findings = {m: {} for m in MEASURES}
    buckets = dict.fromkeys(AGEING_BUCKETS, 0)
    for measure, kind, bucket in queries.run(
            con, "views/period_findings", params,
            age_bucket=AGEING_SQL.replace("$d", "$last")).fetchall():
        findings[measure][kind] = findings[measure].get(kind, 0) + 1
        if bucket is not None:
            buckets[bucket] += 1
    findings = {m: {k: by_kind[k] for k in KINDS if k in by_kind}
                for m, by_kind in findings.items()}
    month_end = tuple(
        {"month": month, "verdict": verdict, "reasons": json.loads(reasons or "[]")}
        for month, verdict, reasons in con.execute(
            "SELECT month, verdict, reasons FROM month_end WHERE month BETWEEN "
            "strftime($first, '%Y-%m') AND strftime($last, '%Y-%m') ORDER BY month",
            params).fetchall())
    counted: dict[date, int] = {}
    for r in in_period:
        counted[r.biz_date] = counted.get(r.biz_date, 0) + 1
    return Summary(
        first=first, last=last, dates=dates, active_accounts=active,
        balance_differences=differences,
        failed_runs=tuple({"biz_date": r.biz_date, "run_id": r.run_id,
                           "exit_code": r.exit_code, "message": r.message}
                          for r in in_period if r.status in ("failed", "killed")),
        reruns=tuple(sorted(d for d, n in counted.items() if n > 1)),
        findings=findings, ageing=tuple(buckets.items()), month_end=month_end,
        readiness=readiness)
