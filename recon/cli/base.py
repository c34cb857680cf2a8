"""The command line's frame: the `recon` group, the one place a ReconError becomes its
line on stderr (``recon: <file>: <problem>``) and its exit code (docs/interface.md §7),
and the options several commands share. `--debug` adds the traceback."""

from __future__ import annotations

import traceback

import click

from recon import __version__
from recon.errors import InternalError, ReconError

DEFAULT_DB = "recon.duckdb"
DEFAULT_OUT = "out"
LOG_KEY = "recon.log"


class ReconClickError(click.ClickException):
    def __init__(self, message: str, exit_code: int):
        super().__init__(message)
        self.exit_code = exit_code

    def show(self, file=None) -> None:
        click.echo(f"recon: {self.message}", err=True)


def _reported(ctx: click.Context, invoke):
    """Run a command, turning a ReconError into its one line and exit code and anything
    else into an internal error (exit 5); --debug adds the traceback."""
    try:
        return invoke(ctx)
    except (click.ClickException, click.exceptions.Exit, click.Abort):
        raise
    except ReconError as exc:
        _traceback(ctx)
        _logged(ctx, exc)
        raise ReconClickError(exc.one_line(), exc.exit_code) from exc
    except Exception as exc:
        _traceback(ctx)
        error = InternalError(f"internal error: {exc!r} (rerun with --debug for the traceback)")
        _logged(ctx, error)
        raise ReconClickError(error.one_line(), error.exit_code) from exc


def _logged(ctx: click.Context, error: ReconError) -> None:
    """Under --log-format json the error is the log's last line, not the human one."""
    log = ctx.meta.get(LOG_KEY)
    if log is not None and log.json:
        log.error(error)
        raise click.exceptions.Exit(error.exit_code)


def use_log(fmt: str, write=None):
    """The command's run log (recon/ops/logs.py) in `fmt`; under json its error, if it
    ends in one, is a JSON line too."""
    from recon.ops.logs import Log

    log = Log(fmt, write)
    click.get_current_context().meta[LOG_KEY] = log
    return log


log_format_option = click.option(
    "--log-format", type=click.Choice(("text", "json")), default=None,
    help="text (default, or [log] format in the config): the human line; json: one JSON "
         "object per line on stderr (nightly: to --log) for each stage, each date's "
         "outcome, each warning and the error, for a log shipper.")


def _traceback(ctx: click.Context) -> None:
    if any(c.params.get("debug") for c in (ctx, ctx.find_root())):
        traceback.print_exc()


class ReconCommand(click.Command):
    def invoke(self, ctx: click.Context):
        return _reported(ctx, super().invoke)


class ReconGroup(click.Group):
    command_class = ReconCommand

    def invoke(self, ctx: click.Context):
        return _reported(ctx, super().invoke)


ReconGroup.group_class = ReconGroup


@click.group(cls=ReconGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="recon")
@click.option("--debug", is_flag=True, help="Show the traceback of an error.")
def cli(debug: bool) -> None:
    """Reconcile ledger v1 (account system 1.x, the system of record) against v2 (2.0).

    recon loads both systems' entries for a business date into DuckDB, joins them on
    (account_id, serial_no), reports every missing entry, amount, direction and field
    difference with its exact effect on the balance, and keeps a worklist of what to
    repair across runs.

    Exit codes: 0 no findings, 1 findings written, 2 bad usage or config, 3 input
    error, 4 another run holds the lock, 5 internal error.
    """


db_option = click.option(
    "--db", "db_path", default=DEFAULT_DB, show_default=True, type=click.Path(),
    help="The state (a folder: its catalog and each date's files).",
)
config_option = click.option(
    "--config", "config_path", type=click.Path(dir_okay=False),
    help="Config file (TOML): column mapping, compared fields, severity, DuckDB settings.",
)
out_option = click.option("--out", "out_dir", default=DEFAULT_OUT, show_default=True,
                          type=click.Path(file_okay=False),
                          help="Outputs go to OUT/<biz_date>/.")
today_option = click.option("--today", metavar="YYYY-MM-DD",
                            help="Pretend today (Asia/Shanghai, noon) is this date; for "
                                 "tests and reruns.")


def duckdb_options(command):
    """--threads, --memory-limit, --temp-directory: override the config's [duckdb]."""
    command = click.option(
        "--temp-directory", type=click.Path(file_okay=False),
        help="Where DuckDB spills when data exceeds the memory limit "
             "(default: <db>.tmp next to the state database).")(command)
    command = click.option(
        "--memory-limit", metavar="SIZE",
        help="DuckDB's memory limit, e.g. 4GB (default: 1.5 GB per thread, at most 80% "
             "of RAM); above it DuckDB spills to the temp directory.")(command)
    return click.option("--threads", type=click.IntRange(min=1),
                        help="DuckDB worker threads (default: one per core).")(command)
