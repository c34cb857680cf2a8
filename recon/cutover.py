"""Cut-over cohorts (docs/interface.md §1): per account, the date from which v2 is its
system of record.

`[cutover] accounts` names a CSV or Parquet file (relative to the config file) with
`account_id`, `cutover_date` (YYYY-MM-DD) and an optional `cohort` (default
`cutover-<date>`). It is read once, when the config is, and checked whole: a missing
column, an account twice, a date that is not one, or a file that is not there is a
config error (exit 2) naming the file and the line (CSV: its line in the file, the
header being line 1; Parquet: its row, from 1).

For an account on and after its cut-over date the record is v2 and the shadow v1; for
every other account and date the record is v1 and the shadow v2. A run puts the file's
rows on its connection as the temp table `cutover` (account_id, cutover_date, cohort),
empty without a file, and every finding takes its `record` from it.
"""

from __future__ import annotations

import csv
import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from recon.errors import ConfigError, first_line

SHADOW = "shadow"   # the readiness row of the accounts not cut over
COLUMNS = (("account_id", "string"), ("cutover_date", "date32"), ("cohort", "string"))


def schema():
    """The rows' Arrow schema (pyarrow is imported when a cut-over is read)."""
    import pyarrow as pa

    return pa.schema([(name, getattr(pa, kind)()) for name, kind in COLUMNS])


@dataclass(frozen=True, eq=False)
class Cutover:
    """The cut-over file's rows (a pyarrow Table of `schema()`), checked."""

    path: str
    rows: object   # a pyarrow Table of `schema()`

    def register(self, con) -> None:
        """The rows as the temp table `cutover` on `con`."""
        register(con, self.rows)

    def digest(self, biz_date: date) -> str:
        """What of the file bears on `biz_date`'s findings: the accounts cut over by
        then, with their dates (a later wave, or a cohort's name, does not)."""
        import pyarrow as pa
        import pyarrow.compute as pc

        cut = self.rows.filter(pc.less_equal(self.rows["cutover_date"],
                                             pa.scalar(biz_date, pa.date32())))
        cut = cut.select(["account_id", "cutover_date"]).sort_by("account_id")
        text = "\n".join(f"{a},{d}" for a, d in zip(cut["account_id"].to_pylist(),
                                                      cut["cutover_date"].to_pylist(),
                                                      strict=True))
        return hashlib.sha256(text.encode()).hexdigest()

    def cohorts(self) -> list[str]:
        return sorted(set(self.rows["cohort"].to_pylist()))


def register(con, rows=None) -> None:
    """`rows` (a pyarrow Table of `schema()`; None: no cut-over) as the temp table
    `cutover` on `con`."""
    if rows is None:
        con.execute("CREATE OR REPLACE TEMP TABLE cutover (account_id VARCHAR, "
                    "cutover_date DATE, cohort VARCHAR)")
        return
    con.register("cutover_rows", rows)
    con.execute("CREATE OR REPLACE TEMP TABLE cutover AS SELECT * FROM cutover_rows")
    con.unregister("cutover_rows")


def load(name: str, config_file: str) -> Cutover:
    """The cut-over file `name` (relative to the config file's folder), checked. Read in
    Python (csv, or pyarrow for Parquet): a cut-over file holds accounts, not entries,
    and every command that reads the config reads it."""
    path = Path(name)
    if not path.is_absolute():
        path = Path(config_file).resolve().parent / path
    where = str(path)
    if not path.is_file():
        raise ConfigError("cutover.accounts: the cut-over file is not there", where)
    parquet = path.suffix.lower() == ".parquet"
    try:
        names, rows = _parquet(path) if parquet else _csv(path)
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise ConfigError(f"cannot read the cut-over file: {first_line(exc)}", where) from None
    for column in ("account_id", "cutover_date"):
        if column not in names:
            raise ConfigError(f"the cut-over file has no column {column}", where)
    unit = "row" if parquet else "line"
    accounts, dates, cohorts, first = [], [], [], {}
    for line, row in rows:
        account = (row.get("account_id") or "").strip()
        raw = row.get("cutover_date")
        cohort = (row.get("cohort") or "").strip() or None
        if not account:
            raise ConfigError(f"{unit} {line}: has no account_id", where)
        try:
            day = raw if isinstance(raw, date) else date.fromisoformat(str(raw).strip())
        except ValueError:
            shown = repr(raw) if raw not in (None, "") else "(empty)"
            raise ConfigError(f"{unit} {line}: cutover_date {shown} is not a date "
                              f"(YYYY-MM-DD)", where) from None
        if cohort == SHADOW:
            raise ConfigError(f"{unit} {line}: cohort '{SHADOW}' is the name of the accounts "
                              f"not cut over: name it otherwise", where)
        if account in first:
            raise ConfigError(f"{unit} {line}: account {account} is in the cut-over file "
                              f"twice (first on {unit} {first[account]})", where)
        first[account] = line
        accounts.append(account)
        dates.append(day)
        cohorts.append(cohort or f"cutover-{day.isoformat()}")
    import pyarrow as pa

    return Cutover(where, pa.table([pa.array(accounts, pa.string()),
                                    pa.array(dates, pa.date32()),
                                    pa.array(cohorts, pa.string())], schema=schema()))


def _csv(path: Path) -> tuple[list[str], list[tuple[int, dict]]]:
    """The header and (line number, row) of each record of a CSV file (UTF-8, with or
    without a BOM)."""
    with path.open(encoding="utf-8-sig", newline="") as handle:
        reader = csv.DictReader(handle)
        names = [n.strip() for n in reader.fieldnames or ()]
        reader.fieldnames = names
        rows = []
        for row in reader:
            rows.append((reader.line_num, row))
        return names, rows


def _parquet(path: Path) -> tuple[list[str], list[tuple[int, dict]]]:
    import pyarrow.parquet as pq

    table = pq.read_table(path)
    return table.column_names, list(enumerate(table.to_pylist(), start=1))
