"""The commands that reconcile: `recon diff` (a date or a range) and `recon nightly`
(what cron runs). Each parses its options, calls one verb of recon/api.py and prints
what it returns (recon/reports/terminal.py)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

import click

from recon.cli.base import (
    cli,
    config_option,
    db_option,
    duckdb_options,
    log_format_option,
    out_option,
    today_option,
    use_log,
)
from recon.config import ENGINES, load_config, with_options, with_tables
from recon.contract import FAIL_ON
from recon.dates import dates_asked, pretend_today

if TYPE_CHECKING:
    from recon.pipeline.stages import Stages
    from recon.result import DateResult, Unchanged

fail_on_option = click.option(
    "--fail-on", type=click.Choice(FAIL_ON), default="any", show_default=True,
    help="Exit 1 on any finding or rejected row (any), on findings of this severity or "
         "worse (P1..P3) or rejected rows, or never.")


@cli.command()
@click.option("--date", "on_date", metavar="YYYY-MM-DD", help="Reconcile this business date.")
@click.option("--from", "from_date", metavar="YYYY-MM-DD",
              help="First date of a backfill (with --to); dates run one by one, in order.")
@click.option("--to", "to_date", metavar="YYYY-MM-DD", help="Last date of a backfill.")
@click.option("--v1", "v1_dir", type=click.Path(file_okay=False),
              help="The v1 dataset directory (holding entries/ and balances/).")
@click.option("--v2", "v2_dir", type=click.Path(file_okay=False),
              help="The v2 dataset directory.")
@click.option("--v1-table", metavar="DATABASE",
              help="Read v1 from metastore tables DATABASE.entries and DATABASE.balances "
                   "(partitioned by biz_date) instead of --v1; spark engine only.")
@click.option("--v2-table", metavar="DATABASE", help="The same for v2.")
@out_option
@db_option
@config_option
@fail_on_option
@duckdb_options
@click.option("--engine", type=click.Choice(ENGINES), default=None,
              help="Where inputs are read, checked, matched and classified (default: "
                   "duckdb, or engine in the config). spark needs `pip install "
                   "'recon[spark]'` and Java 17.")
@click.option("--html/--no-html", default=None,
              help="Write report.html for each date (default: yes, or [outputs] html in the "
                   "config); --no-html saves ~0.3 s a date in long backfills.")
@click.option("--force", is_flag=True,
              help="Recompute every date, also those whose inputs and settings did not "
                   "change since their last successful run (by default these are said "
                   "`unchanged since run <id>` and not read again).")
@click.option("--profile", is_flag=True,
              help="Print each stage's time and rows (load v1, load v2, match, classify, "
                   "store, worklist, audit, summarize, outputs, commit, publish) on stderr "
                   "after each date.")
@log_format_option
def diff(on_date, from_date, to_date, v1_dir, v2_dir, v1_table, v2_table, out_dir, db_path,
         config_path, fail_on, threads, memory_limit, temp_directory, engine, html, force,
         profile, log_format) -> None:
    """Reconcile one business date, or a range of dates in order.

    Writes OUT/<date>/worklist.parquet, worklist.csv, rejects.parquet, summary.json,
    report.md and report.html, and records the run in the state database. Rerunning a
    date replaces its results. With --from/--to the exit code is the worst of the dates;
    the first input error stops the backfill (the dates before it stay done).
    """
    from recon import api
    from recon.pipeline.stages import progress_on_terminal
    from recon.reports import terminal

    log = use_log(log_format or "text")
    dates = dates_asked(on_date, from_date, to_date)
    config = load_config(config_path)
    config = with_options(config, threads=threads, memory_limit=memory_limit,
                          temp_directory=temp_directory, engine=engine, html=html,
                          tables=with_tables(config, v1=v1_table, v2=v2_table),
                          log_format=log_format)
    log = use_log(config.log_format)
    if v1_dir and v2_dir and Path(v1_dir).resolve() == Path(v2_dir).resolve():
        log.warning(f"--v1 and --v2 are the same directory ({v1_dir}): the ledger is "
                    f"compared with itself")
    codes = []

    def report_line(result: DateResult | Unchanged) -> None:
        codes.append(result.exit_code(fail_on))
        click.echo(terminal.describe(result))

    def show_profile(result: DateResult, stages: Stages) -> None:
        click.echo(stages.table(f"profile {result.biz_date}  ({result.v1.rows_read:,} + "
                                f"{result.v2.rows_read:,} entries)"), err=True)

    with progress_on_terminal(log) as progress:
        api.open(db_path, config).diff(
            dates, v1=v1_dir, v2=v2_dir, out=out_dir, fail_on=fail_on, force=force,
            watch=progress, log=log, on_result=report_line,
            on_stages=show_profile if profile else None)
    sys.exit(max(codes, default=0))


@cli.command()
@click.option("--v1", "v1_dir", type=click.Path(file_okay=False),
              help="The v1 dataset directory (unless the config reads v1 from a table or "
                   "database).")
@click.option("--v2", "v2_dir", type=click.Path(file_okay=False),
              help="The v2 dataset directory (likewise).")
@out_option
@db_option
@config_option
@click.option("--log", "log_path", type=click.Path(dir_okay=False),
              help="Append the JSON log lines here (default: stderr).")
@click.option("--dry-run", is_flag=True, help="Print the dates that would run, and stop.")
@today_option
@fail_on_option
@click.option("--month-end/--no-month-end", default=True, show_default=True,
              help="After the last date of a month, run that month's month-end check "
                   "(OUT/month-end-YYYY-MM/); a FAIL exits 1.")
@click.option("--force", is_flag=True,
              help="Recompute a date even when its inputs did not change (as recon diff).")
@click.option("--debug", is_flag=True, help="Show the traceback of an error.")
@log_format_option
def nightly(v1_dir, v2_dir, out_dir, db_path, config_path, log_path, dry_run, today,
            fail_on, month_end, force, debug, log_format) -> None:
    """Reconcile yesterday (Asia/Shanghai), after every date missed since the last
    successful run (at most [nightly] catch_up_days of them); what cron runs.

    After the last date of a month it also runs that month's month-end check. Exit
    codes as `recon diff`: the worst of the dates run; 3 when a partition is not
    delivered yet (the message names the system and date); 4 when another run holds
    the state database. One JSON line per date goes to --log (default: stderr).
    """
    from recon import api
    from recon.ops.schedule import log_lines
    from recon.pipeline.stages import progress_on_terminal

    state = api.open(db_path, config_path)
    dates, gap = state.nightly_plan(pretend_today(today))
    if dry_run:
        for biz_date in dates:
            click.echo(biz_date.isoformat())
        if gap:
            click.echo(f"not run: {gap['message']}")
        sys.exit(1 if gap else 0)   # as the real run would: missed dates need a person
    with log_lines(log_path) as log:
        fmt = log_format or state.config.log_format
        run_log = use_log(fmt, log if fmt == "json" else None)
        if gap:
            log(json.dumps(gap))
        with progress_on_terminal(run_log) as progress:
            code = state.nightly(dates, v1=v1_dir, v2=v2_dir, out=out_dir, log=log,
                                 fail_on=fail_on, watch=progress, run_log=run_log,
                                 month_end=month_end, force=force)
    # dates left unreconciled need a person, as findings do (exit 1 at least)
    sys.exit(max(code, 1) if gap else code)
