"""The one exception hierarchy of recon. Each class carries its exit code (docs/interface.md §6).

The CLI catches `ReconError` in one place and prints ``recon: <file>: <problem>``.
Anything else that escapes is a crash and exits with `InternalError.exit_code`, never
with a code that could be read as "ran, no findings" or "ran, findings written".
"""

from __future__ import annotations


class ReconError(Exception):
    """Base class. `where` names the file (or object) the problem is about."""

    exit_code = 5

    def __init__(self, problem: str, where: str | None = None):
        super().__init__(problem)
        self.problem = problem
        self.where = where

    def one_line(self) -> str:
        text = f"{self.where}: {self.problem}" if self.where else self.problem
        return " ".join(text.split())


class UsageError(ReconError):
    """Bad command-line usage (exit 2)."""

    exit_code = 2


class ConfigError(ReconError):
    """The config file is unreadable or says something recon cannot do (exit 2)."""

    exit_code = 2


class InputError(ReconError):
    """An input file or partition cannot be used as a whole (exit 3)."""

    exit_code = 3


class NotFound(ReconError):
    """A date, account or worklist item asked for is not in the state database (exit 2)."""

    exit_code = 2


class LockHeld(ReconError):
    """Another run holds the lock on the state database (exit 4)."""

    exit_code = 4


class InternalError(ReconError):
    """A check inside the run failed (e.g. conservation) or recon crashed (exit 5).

    docs/interface.md §6 names no code for this; 5 keeps it apart from every code it does name.
    """

    exit_code = 5


class AuditError(InternalError):
    """A check the run makes on itself failed (recon/sql/audits/, exit 5). `failures`
    holds every offending row as (audit, problem); the message names the first few."""

    SHOWN = 3

    def __init__(self, failures: list[tuple[str, str]]):
        problems = [problem for _, problem in failures[:self.SHOWN]]
        more = len(failures) - len(problems)
        super().__init__("; ".join(problems) + (f"; and {more} more" if more else ""))
        self.failures = tuple(failures)


def first_line(exc: BaseException) -> str:
    """The first non-blank line of a library's error message (DuckDB's and Spark's run
    to many lines), or the exception's type when it says nothing."""
    lines = [ln.strip() for ln in str(exc).splitlines() if ln.strip()]
    return lines[0] if lines else type(exc).__name__
