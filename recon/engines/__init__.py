"""Where a date's heavy work runs: DuckDB (default, `duckdb.py`) or Spark SQL (`spark.py`).

The work is written once, in DuckDB's dialect: the typing and checking of every input
row (recon/load.py builds it per file), and the scanning, matching and classification
queries in recon/sql/. An engine supplies only what differs between the two, the
`Engine` protocol below:

- reading inputs: listing a partition's files (recon/sources/) and opening them as
  relations with their row numbers (and, for CSV, the lines that cannot be split into
  the header's columns);
- running a statement: the DuckDB engine runs it as it is, in the state database's
  transaction. The Spark engine transpiles it with sqlglot to Spark SQL and keeps every
  `CREATE TEMP TABLE x AS SELECT ...` as a temp view `x` over the step's result, written
  as Parquet to a work directory (an `INSERT INTO x SELECT ...` as a union onto it);
- handing results back (`finish`): the Spark engine brings the date's staged rows
  (evidence, kept entries, balances, rejects), findings and aggregates back into the
  state database's connection (DuckDB) as temp tables. From there on (the matches
  beyond one-to-one, item ids, severity, the store, audits, worklist, outputs) both
  engines share one path.
"""

from __future__ import annotations

from datetime import date
from typing import Protocol

from recon.config import Config
from recon.sources import Location, OpenedFile, SourceFile

# The date's rows an engine stages for the state, each as a temp table shaped as the
# state table it is for (recon/pipeline/store.py puts them in place), and the temp tables
# the shared path goes on from: what the Spark engine hands back.
STAGED_TABLES = {"date_evidence": "evidence", "date_entries": "entries",
                 "date_balances": "balances", "date_rejects": "rejects"}
DATE_TABLES = ("run_findings", "day_accounts", "day_flows")


class Engine(Protocol):
    name: str
    # The aggregate giving the legal_entity of an account's latest entry, in the
    # engine's terms (written in DuckDB's dialect; see DuckDBEngine).
    latest_entity: str

    def begin(self, biz_date: date) -> None:
        """Start a date: nothing of the previous date's temp tables and views is left."""

    def partition_files(self, location: Location, dataset: str, biz_date: date,
                        system: str) -> tuple[SourceFile, ...]:
        """The inputs of one partition, in order (InputError when there are none)."""

    def open_sources(self, files: tuple[SourceFile, ...], stage: str, biz_date: date
                     ) -> list[OpenedFile]:
        """The relations to read `files` from."""

    def read_error(self, files: tuple[SourceFile, ...], exc: Exception) -> Exception:
        """The input error behind a failure while reading `files` (a file that cannot
        be read through, named), or `exc` itself."""

    def execute(self, statement: str, params: dict) -> None:
        """One statement of recon/sql/ (DuckDB's dialect), with its parameters."""

    def run(self, name: str, params: dict, **fragments: str) -> None:
        """Every statement of recon/sql/<name>.sql (see queries.statements)."""

    def query(self, text: str, params: dict | None = None) -> list[tuple]:
        """The rows of a small query."""

    def drop(self, *tables: str) -> None: ...

    def finish(self, biz_date: date) -> None:
        """Make the date's staged rows and DATE_TABLES readable on the state database's
        connection."""

    def close(self) -> None: ...


def engine_for(con, config: Config) -> Engine:
    if config.engine == "spark":
        from recon.engines.spark import SparkEngine

        return SparkEngine(con, config)
    from recon.engines.duckdb import DuckDBEngine

    return DuckDBEngine(con, config)
