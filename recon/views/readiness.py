"""Is v2 ready to be the record of the next wave? (docs/interface.md §5, `recon
readiness`): each cut-over cohort, and `shadow` (the accounts not cut over), with the
consecutive clean dates counted back from the last date reconciled.

A date is clean for a group when it was reconciled and no account of the group has a
finding on it that nobody accepted; an account belongs on a date to its cohort from its
cut-over date on, to `shadow` before (recon/cutover.py). A cohort counts only dates on
or after its cut-over date (its latest one, when its accounts have several); a date not
reconciled ends the count. A group is ready when its clean dates reach `[readiness]
days`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import TYPE_CHECKING

from recon import queries

if TYPE_CHECKING:
    import polars as pl

# Dates read at first, back from the last date; all of them when a group is clean that far.
FIRST_LOOK = 31


@dataclass(frozen=True)
class Cohort:
    cohort: str
    cutover_date: date | None      # None for shadow
    accounts: int
    last_date: date | None         # the last date reconciled
    clean_dates: int
    open_items: int                # worklist items new or open of its accounts
    ready: bool

    def as_data(self) -> dict:
        return {"cohort": self.cohort,
                "cutover_date": self.cutover_date and self.cutover_date.isoformat(),
                "accounts": self.accounts,
                "last_date": self.last_date and self.last_date.isoformat(),
                "clean_dates": self.clean_dates, "open_items": self.open_items,
                "ready": self.ready}


@dataclass(frozen=True)
class Readiness:
    days: int
    cohorts: tuple[Cohort, ...]

    @property
    def ready(self) -> bool:
        return all(c.ready for c in self.cohorts)

    def as_data(self) -> dict:
        return {"days": self.days, "cohorts": [c.as_data() for c in self.cohorts]}

    def frame(self) -> pl.DataFrame:
        """The cohorts as a DataFrame (one row each)."""
        import polars as pl

        return pl.DataFrame([c.__dict__ for c in self.cohorts],
                            schema={"cohort": pl.String, "cutover_date": pl.Date,
                                    "accounts": pl.Int64, "last_date": pl.Date,
                                    "clean_dates": pl.Int64, "open_items": pl.Int64,
                                    "ready": pl.Boolean})

    def only(self, name: str) -> Readiness:
        return Readiness(self.days, tuple(c for c in self.cohorts if c.cohort == name))


def last_date(con, as_of: date | None = None) -> date | None:
    """The last date reconciled successfully (on or before `as_of`)."""
    return con.execute("SELECT max(biz_date) FROM runs WHERE status = 'succeeded' "
                       "AND biz_date <= COALESCE($as_of, DATE '9999-12-31')",
                       {"as_of": as_of}).fetchone()[0]


def check(con, days: int, last: date | None, first_read: date | None
          ) -> tuple[Readiness, bool]:
    """The readiness on `con` (the state of the dates from `first_read` on, None: all of
    them, the unresolved worklist, the cut-over) as of `last`; and whether a count
    reached `first_read` still clean (it may go on before it: read them all)."""
    params = {"last": last}
    groups = queries.run(con, "views/readiness_groups", params).fetchall()
    unclean = set(queries.run(con, "views/readiness_unclean", params).fetchall())
    reconciled = {day for (day,) in con.execute(
        "SELECT DISTINCT biz_date FROM runs WHERE status = 'succeeded'").fetchall()}
    cohorts, cut_short = [], False
    for name, since, accounts, open_items in groups:
        clean, day = 0, last
        while day is not None and day in reconciled and (since is None or day >= since):
            if first_read is not None and day < first_read:
                cut_short = True
                break
            if (name, day) in unclean:
                break
            clean += 1
            day -= timedelta(days=1)
        cohorts.append(Cohort(name, since, accounts, last, clean, open_items, clean >= days))
    return Readiness(days, tuple(cohorts)), cut_short


def window(last: date | None) -> date | None:
    """The first date read at first: FIRST_LOOK dates back from the last."""
    return None if last is None else last - timedelta(days=FIRST_LOOK - 1)
