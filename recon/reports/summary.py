"""`recon summary` rendered: markdown (the paragraph a team lead pastes into the weekly
report, then the tables), JSON, and one self-contained HTML page. All from one record,
recon/views/period.py's Summary."""

from __future__ import annotations

import json

from recon.money import shown
from recon.reports.html import render_summary
from recon.text import md_cell as cell
from recon.views.period import MEASURES, Summary
from recon.views.readiness import Cohort

MEASURE_NAMES = {"opened": "opened", "resolved": "resolved", "accepted": "accepted",
                 "open_at_end": "open at the end"}


def paragraph(s: Summary) -> str:
    """The week in a few sentences, from the same facts as the tables."""
    days = len(s.dates)
    said = [f"**{s.first} to {s.last}**: {len(s.reconciled)} of {days} date(s) reconciled"
            + (f" (not reconciled: {_dates(s.not_reconciled)})." if s.not_reconciled
               else ".")]
    if s.active_accounts:
        unequal = [a["biz_date"] for a in s.active_accounts if not a["equal"]]
        last = s.active_accounts[-1]
        said.append(
            ("The active accounts agree on every date reconciled"
             if not unequal else f"The active accounts differ on {_dates(unequal)}")
            + f" ({last['v1']:,} in v1, {last['v2']:,} in v2 on {last['biz_date']}).")
    if s.balance_differences:
        causes: dict[str, int] = {}
        for b in s.balance_differences:
            for kind, n in b.causes.items():
                causes[kind] = causes.get(kind, 0) + n
        unexplained = [b.account_id for b in s.balance_differences if not b.explained]
        said.append(
            f"{len(s.balance_differences)} account(s) had balance differences"
            + (", caused by " + ", ".join(f"{k} ({n})" for k, n in
                                           sorted(causes.items(), key=lambda kv: -kv[1]))
               if causes else "")
            + ("; all explained by their findings, the repairs are on the worklist."
               if not unexplained else
               f"; {len(unexplained)} not explained by findings: "
               f"{', '.join(unexplained[:5])}"
               f"{f' and {len(unexplained) - 5} more' if len(unexplained) > 5 else ''}."))
    elif s.reconciled:
        said.append("No account's balances differed.")
    if s.failed_runs:
        rerun = [r for r in s.failed_runs if r["biz_date"] in s.reconciled]
        said.append(f"{len(s.failed_runs)} run(s) failed ("
                     + ", ".join(f"{r['biz_date']} exit {r['exit_code']}"
                                 for r in s.failed_runs) + ")"
                     + ("; each failed date was rerun and reconciled."
                        if len(rerun) == len(s.failed_runs) else "."))
    said.append("Worklist: " + ", ".join(f"{s.total(m):,} {MEASURE_NAMES[m]}"
                                         for m in MEASURES) + ".")
    for c in s.readiness.cohorts:
        said.append(_cohort_sentence(c, s.readiness.days))
    return " ".join(said)


def _table(header: list[str], align: str, rows, empty: str | None = None) -> list[str]:
    """A Markdown table: the header, the alignment row, a row per item of `rows`; the
    sentence `empty` instead when there is no row and one is given."""
    rows = list(rows)
    if not rows and empty is not None:
        return [empty]
    return ["| " + " | ".join(header) + " |", align,
            *("| " + " | ".join(str(c) for c in row) + " |" for row in rows)]


def markdown(s: Summary) -> str:
    lines = [f"# Reconciliation summary — {s.first} to {s.last}", "", paragraph(s), ""]
    add = lines.append
    add("## Dates")
    add("")
    lines += _table(["date", "reconciled", "verdict", "findings", "run"], "|---|---|---|---:|---|",
                    ([d["biz_date"], "yes" if d["reconciled"] else "**no**", d["verdict"] or "",
                      "" if d["findings"] is None else d["findings"], d["run_id"] or ""]
                     for d in s.dates))
    add("")
    add("## Active accounts")
    add("")
    lines += _table(["date", "v1", "v2", "the same accounts"], "|---|---:|---:|---|",
                    ([a["biz_date"], f"{a['v1']:,}", f"{a['v2']:,}",
                      "yes" if a["equal"] else "**no**"] for a in s.active_accounts))
    add("")
    add("## Balance differences")
    add("")
    lines += _table(
        ["account", "record", "dates", "last difference", "on", "explained", "causes"],
        "|---|---|---:|---:|---|---|---|",
        ([cell(b.account_id), b.record, b.dates, f"{cell(b.currency)} {shown(b.last_difference)}",
          b.last_date, "yes" if b.explained else "**no**",
          cell(", ".join(f"{k} {n}" for k, n in b.causes.items()))]
         for b in s.balance_differences), empty="None.")
    add("")
    add("## Runs")
    add("")
    lines += _table(["date", "run", "exit", "message"], "|---|---|---:|---|",
                    ([r["biz_date"], r["run_id"], r["exit_code"], cell(r["message"])]
                     for r in s.failed_runs), empty="No run failed.")
    add("")
    add(f"Dates rerun: {_dates(s.reruns) if s.reruns else 'none'}.")
    add("")
    add("## Worklist")
    add("")
    kinds = [k for k in dict.fromkeys(k for m in MEASURES for k in s.findings[m])]
    add("| kind | " + " | ".join(MEASURE_NAMES[m] for m in MEASURES) + " |")
    add("|---|" + "---:|" * len(MEASURES))
    for kind in kinds:
        add(f"| {kind} | " + " | ".join(f"{s.findings[m].get(kind, 0):,}" for m in MEASURES)
            + " |")
    add("| **total** | " + " | ".join(f"**{s.total(m):,}**" for m in MEASURES) + " |")
    add("")
    add("Open at the end, by age: " + ", ".join(f"{b} {n:,}" for b, n in s.ageing) + ".")
    add("")
    add("## Month-end")
    add("")
    for m in s.month_end:
        add(f"- {m['month']}: **{m['verdict']}**"
            + (" — " + "; ".join(cell(r) for r in m["reasons"]) if m["reasons"] else ""))
    if not s.month_end:
        add("No month-end check in the period.")
    add("")
    add(f"## Cut-over readiness ({s.readiness.days} clean dates before the next wave)")
    add("")
    add("| cohort | cut over | accounts | clean dates | open items | ready |")
    add("|---|---|---:|---:|---:|---|")
    for c in s.readiness.cohorts:
        add(f"| {cell(c.cohort)} | {c.cutover_date or '—'} | {c.accounts:,} | "
            f"{c.clean_dates} | {c.open_items:,} | {'yes' if c.ready else '**no**'} |")
    add("")
    return "\n".join(lines)


def as_json(s: Summary) -> str:
    return json.dumps(s.as_data(), indent=2, ensure_ascii=False) + "\n"


def html(s: Summary) -> str:
    return render_summary(s.as_data(), paragraph(s).replace("**", ""))


def _cohort_sentence(c: Cohort, days: int) -> str:
    name = ("The accounts not cut over (shadow)" if c.cutover_date is None
            else f"Cohort {c.cohort} (cut over {c.cutover_date}, {c.accounts:,} account(s))")
    if c.ready:
        return f"{name}: {c.clean_dates} clean date(s), ready for the next wave."
    return (f"{name}: {c.clean_dates} clean date(s) of the {days} needed, not ready"
            + (f" ({c.open_items:,} open item(s))." if c.open_items else "."))


def _dates(days) -> str:
    return ", ".join(str(d) for d in days)
