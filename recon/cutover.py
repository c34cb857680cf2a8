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

import hashlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.compute as pc

from recon import queries
from recon.errors import ConfigError, first_line

SHADOW = "shadow"   # the readiness row of the accounts not cut over
SCHEMA = pa.schema([("account_id", pa.string()), ("cutover_date", pa.date32()),
                    ("cohort", pa.string())])


@dataclass(frozen=True, eq=False)
class Cutover:
    """The cut-over file's rows (SCHEMA), checked."""

    path: str
    rows: pa.Table

    def register(self, con) -> None:
        """The rows as the temp table `cutover` on `con`."""
        register(con, self.rows)

    def digest(self, biz_date: date) -> str:
        """What of the file bears on `biz_date`'s findings: the accounts cut over by
        then, with their dates (a later wave, or a cohort's name, does not)."""
        cut = self.rows.filter(pc.less_equal(self.rows["cutover_date"],
                                             pa.scalar(biz_date, pa.date32())))
        cut = cut.select(["account_id", "cutover_date"]).sort_by("account_id")
        text = "\n".join(f"{a},{d}" for a, d in zip(cut["account_id"].to_pylist(),
                                                      cut["cutover_date"].to_pylist(),
                                                      strict=True))
        return hashlib.sha256(text.encode()).hexdigest()

    def cohorts(self) -> list[str]:
        return sorted(set(self.rows["cohort"].to_pylist()))


def register(con, rows: pa.Table | None) -> None:
    """`rows` (SCHEMA; None: no cut-over) as the temp table `cutover` on `con`."""
    con.register("cutover_rows", rows if rows is not None else SCHEMA.empty_table())
    con.execute("CREATE OR REPLACE TEMP TABLE cutover AS SELECT * FROM cutover_rows")
    con.unregister("cutover_rows")


def load(name: str, config_file: str) -> Cutover:
    """The cut-over file `name` (relative to the config file's folder), checked."""
    path = Path(name)
    if not path.is_absolute():
        path = Path(config_file).resolve().parent / path
    where = str(path)
    if not path.is_file():
        raise ConfigError("cutover.accounts: the cut-over file is not there", where)
    parquet = path.suffix.lower() == ".parquet"
    con = duckdb.connect()
    try:
        source = (f"read_parquet({queries.literal(where)}, file_row_number = true)"
                  if parquet else
                  f"(SELECT *, row_number() OVER () AS file_row_number FROM read_csv("
                  f"{queries.literal(where)}, header = true, all_varchar = true, "
                  f"auto_detect = false, columns = {_csv_columns(con, where)}))")
        try:
            con.execute(f"CREATE TEMP VIEW raw AS SELECT * FROM {source}")
            names = [row[0] for row in con.execute("DESCRIBE raw").fetchall()]
        except duckdb.Error as exc:
            raise ConfigError(f"cannot read the cut-over file: {first_line(exc)}",
                              where) from None
        for column in ("account_id", "cutover_date"):
            if column not in names:
                raise ConfigError(f"the cut-over file has no column {column}", where)
        cohort = ("NULLIF(trim(CAST(cohort AS VARCHAR)), '')" if "cohort" in names
                  else "NULL")
        con.execute(f"""CREATE TEMP TABLE cut AS
            SELECT file_row_number + 1 AS line, trim(CAST(account_id AS VARCHAR)) AS account_id,
                   CAST(cutover_date AS VARCHAR) AS raw_date,
                   TRY_CAST(CAST(cutover_date AS VARCHAR) AS DATE) AS cutover_date,
                   {cohort} AS cohort
            FROM raw""")
        _check(con, where, "row" if parquet else "line")
        rows = con.sql(
            "SELECT account_id, cutover_date, "
            "COALESCE(cohort, 'cutover-' || strftime(cutover_date, '%Y-%m-%d')) AS cohort "
            "FROM cut ORDER BY line").to_arrow_table()
    finally:
        con.close()
    return Cutover(where, rows.cast(SCHEMA))


def _csv_columns(con, where: str) -> str:
    """read_csv's columns option: every column of the header as VARCHAR."""
    try:
        header = con.execute(f"SELECT * FROM read_csv({queries.literal(where)}, "
                             f"header = true, all_varchar = true) LIMIT 0").description
    except duckdb.Error as exc:
        raise ConfigError(f"cannot read the cut-over file: {first_line(exc)}", where) from None
    return "{" + ", ".join(f"{queries.literal(d[0])}: 'VARCHAR'" for d in header) + "}"


def _check(con, where: str, unit: str) -> None:
    """The first bad row, if any, as a config error naming its line."""
    checks = (
        ("account_id IS NULL OR account_id = ''", "has no account_id"),
        ("cutover_date IS NULL",
         "cutover_date {raw_date} is not a date (YYYY-MM-DD)"),
        (f"cohort = '{SHADOW}'",
         f"cohort '{SHADOW}' is the name of the accounts not cut over: name it otherwise"),
    )
    for condition, problem in checks:
        bad = con.execute(f"SELECT line, raw_date FROM cut WHERE {condition} ORDER BY line "
                          f"LIMIT 1").fetchone()
        if bad:
            text = problem.format(raw_date=repr(bad[1]) if bad[1] is not None else "(empty)")
            raise ConfigError(f"{unit} {bad[0]}: {text}", where)
    twice = con.execute(
        "SELECT account_id, min(line), max(line) FROM (SELECT account_id, line, "
        "row_number() OVER (PARTITION BY account_id ORDER BY line) AS k FROM cut) "
        "WHERE k <= 2 GROUP BY account_id HAVING count(*) > 1 ORDER BY max(line) LIMIT 1"
    ).fetchone()
    if twice:
        raise ConfigError(f"{unit} {twice[2]}: account {twice[0]} is in the cut-over file "
                          f"twice (first on {unit} {twice[1]})", where)
