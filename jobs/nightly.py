"""What cron runs: reconcile yesterday (Asia/Shanghai), catching up missed dates first.

    python jobs/nightly.py --v1 DIR --v2 DIR --out DIR --db FILE [--config FILE]
                           [--log FILE] [--dry-run] [--today YYYY-MM-DD]
                           [--no-month-end]

After the last date of a month it also runs that month's finance month-end check.

Exit codes as `recon diff` (CONTRACT §7): the worst of the dates run; 3 when a
partition is not delivered yet (the message names the system and date); 4 when another
run holds the state database. Quiet on success when --log is given; progress on stderr
when it is a terminal.
"""

from __future__ import annotations

import sys
from datetime import date, datetime, time
from pathlib import Path

import click

from recon import core, nightly
from recon.cli import ReconGroup, progress_printer
from recon.config import load_config
from recon.contract import FAIL_ON


@click.group(cls=ReconGroup, invoke_without_command=True)
@click.option("--v1", "v1_dir", required=True, type=click.Path(file_okay=False),
              help="The v1 dataset directory.")
@click.option("--v2", "v2_dir", required=True, type=click.Path(file_okay=False),
              help="The v2 dataset directory.")
@click.option("--out", "out_dir", default="out", show_default=True,
              type=click.Path(file_okay=False), help="Outputs go to OUT/<biz_date>/.")
@click.option("--db", "db_path", default="recon.duckdb", show_default=True,
              type=click.Path(dir_okay=False), help="The state database.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="Config file (TOML); [nightly] catch_up_days bounds the catch-up.")
@click.option("--log", "log_path", type=click.Path(dir_okay=False),
              help="Append the JSON log lines here (default: stderr).")
@click.option("--dry-run", is_flag=True, help="Print the dates that would run, and stop.")
@click.option("--today", metavar="YYYY-MM-DD",
              help="Pretend today (Asia/Shanghai) is this date; for tests and reruns.")
@click.option("--fail-on", type=click.Choice(FAIL_ON), default="any", show_default=True,
              help="As recon diff --fail-on.")
@click.option("--month-end/--no-month-end", default=True, show_default=True,
              help="After the last date of a month, run that month's month-end check "
                   "(OUT/month-end-YYYY-MM/); a FAIL exits 1.")
@click.option("--debug", is_flag=True, help="Show the traceback of an error.")
def main(v1_dir, v2_dir, out_dir, db_path, config_path, log_path, dry_run, today, fail_on,
         month_end, debug) -> None:
    """Reconcile yesterday, after every date missed since the last successful run."""
    config = load_config(config_path)
    now = None
    if today:
        now = datetime.combine(date.fromisoformat(today), time(12), nightly.SHANGHAI)
    target = nightly.yesterday(now)
    dates = nightly.plan(nightly.last_success(Path(db_path), config), target,
                         config.catch_up_days)
    if dry_run:
        for biz_date in dates:
            click.echo(biz_date.isoformat())
        return
    request = core.DiffRequest(v1_dir=Path(v1_dir), v2_dir=Path(v2_dir),
                               out_dir=Path(out_dir), db_path=Path(db_path), config=config,
                               command="nightly")
    if log_path:
        Path(log_path).parent.mkdir(parents=True, exist_ok=True)
        handle = open(log_path, "a", encoding="utf-8")  # noqa: SIM115

        def log(line: str) -> None:
            handle.write(line + "\n")
            handle.flush()
    else:
        handle = None

        def log(line: str) -> None:
            click.echo(line, err=True)
    progress = progress_printer()
    try:
        code = nightly.run(request, dates, log=log, fail_on=fail_on, progress=progress,
                           month_end=month_end)
    finally:
        if progress:
            progress.close()
        if handle:
            handle.close()
    sys.exit(code)


if __name__ == "__main__":
    main(prog_name="nightly")
