"""The migration's commands: `recon readiness` (is each cut-over cohort clean long enough
for the next wave?) and `recon summary` (a period, for the team's weekly report). Both
read the state only (never blocked by a running diff)."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import click

from recon.cli.base import cli, config_option, db_option
from recon.errors import UsageError


@cli.command()
@db_option
@config_option
@click.option("--cohort", help="Show this cohort only (`shadow`: the accounts not cut over).")
@click.option("--format", "fmt", type=click.Choice(("text", "json")), default="text",
              show_default=True, help="A table for people, or JSON for scripts.")
def readiness(db_path, config_path, cohort, fmt) -> None:
    """Is v2 ready to be the record of the next wave?

    Shows each cut-over cohort of [cutover] accounts and `shadow` (the accounts not cut
    over): its accounts, the last date reconciled, its clean dates — the consecutive
    reconciled dates, counted back from the last one (for a cohort, only dates on or
    after its cut-over date), on which no account of it has a finding nobody accepted —,
    its open worklist items, and whether it is ready ([readiness] days clean dates,
    default 3). Exit 0 when every cohort shown is ready, 1 when one is not.
    """
    from recon import api
    from recon.reports import terminal

    result = api.open(db_path, config_path).readiness(cohort)
    if fmt == "json":
        click.echo(json.dumps(result.as_data(), indent=2, ensure_ascii=False))
    else:
        click.echo(terminal.readiness(result), nl=False)
    sys.exit(0 if result.ready else 1)


@cli.command()
@click.option("--from", "first", required=True, metavar="YYYY-MM-DD",
              help="The first business date of the period.")
@click.option("--to", "last", required=True, metavar="YYYY-MM-DD",
              help="The last business date of the period.")
@db_option
@config_option
@click.option("--format", "fmt", type=click.Choice(("md", "json", "html")), default="md",
              show_default=True, help="Markdown (a paragraph, then tables), JSON, or a "
                                      "self-contained HTML page.")
@click.option("--out", "out_file", type=click.Path(dir_okay=False),
              help="Write it to this file (default: print it).")
def summary(first, last, db_path, config_path, fmt, out_file) -> None:
    """The period from --from to --to, as the team's weekly report needs it.

    Per date, reconciled or not; the active accounts of each system; each account whose
    closing balances differed, with the findings that caused it and whether they
    explain it; the runs that failed and the dates rerun; worklist items opened,
    resolved, accepted and open at the end, by kind, and the age of those still open;
    the month-end verdicts; each cut-over cohort's readiness. A period with nothing
    reconciled is an empty summary (exit 0).
    """
    from recon import api
    from recon.reports import summary as summary_report

    result = api.open(db_path, config_path).summary(first, last)
    text = {"md": summary_report.markdown, "json": summary_report.as_json,
            "html": summary_report.html}[fmt](result)
    if out_file is None:
        click.echo(text, nl=not text.endswith("\n"))
        return
    try:
        Path(out_file).write_text(text, encoding="utf-8")
    except OSError as exc:
        raise UsageError(f"cannot write: {exc.strerror or exc}", out_file) from None
    click.echo(f"summary {first} to {last}: {out_file}")
