"""The date files: each business date's rows of the DATE_TABLES (findings, evidence,
balances, ...), one Parquet file a table in the folder of the run that made them:

    <state>/dates/biz_date=YYYY-MM-DD/run=<run_id>/<table>.parquet

A run writes its date's files into a folder of its own before it commits; the catalog's
`dates` row for the date then names that run (the commit), and the folder of the run
before it is superseded: removed by a later run, once no reader can still be reading it.
A reader builds its views over the folders the catalog names, so it sees one date's rows
from one run, whole. Nothing a run does touches another date's files.
"""

from __future__ import annotations

import os
import shutil
import time
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from recon import queries
from recon.state.schema import DATE_TABLES, TABLES, empty

# A superseded folder is removed once it has been superseded this long: a reader that
# named it just before the commit has long finished with it.
GRACE_SECONDS = 600


def dates_dir(root: Path) -> Path:
    return Path(root) / "dates"


def folder(root: Path, biz_date: date, run_id: str) -> Path:
    return dates_dir(root) / f"biz_date={biz_date.isoformat()}" / f"run={run_id}"


def write(con, root: Path, biz_date: date, run_id: str, sources: dict[str, str]) -> str:
    """Write the date's rows, one file a table from the DuckDB relation `sources[table]`,
    into the run's folder (made whole under a temporary name, then renamed). Returns
    what the catalog records of it: the tables stored, comma-separated."""
    final = folder(root, biz_date, run_id)
    part = final.with_name(final.name + ".part")
    shutil.rmtree(part, ignore_errors=True)
    part.mkdir(parents=True)
    for table, source in sources.items():
        target = queries.literal(str(part / f"{table}.parquet"))
        columns = ", ".join(queries.ident(name) for name in TABLES[table].names)
        con.execute(f"COPY (SELECT {columns} FROM {source}) TO {target} "
                    f"(FORMAT parquet, COMPRESSION zstd, COMPRESSION_LEVEL 1)")
    os.replace(part, final)
    _sync(final.parent)
    return ",".join(sources)


def views(con, root: Path, stored: Iterable[tuple[date, str, str]],
          overlay: dict[str, str] | None = None) -> None:
    """A temp view per DATE_TABLE over the files the catalog names (`stored`: biz_date,
    run_id, the tables its folder holds); `overlay` adds, per table, the rows of a
    DuckDB relation (a run's own date, not yet stored)."""
    files: dict[str, list[str]] = {table.name: [] for table in DATE_TABLES}
    for biz_date, run_id, tables in stored:
        for table in (tables or "").split(","):
            if table in files:
                files[table].append(str(folder(root, biz_date, run_id) / f"{table}.parquet"))
    for table in DATE_TABLES:
        parts = [empty(table)]   # every column, typed, even where older files lack one
        if files[table.name]:
            listed = ", ".join(queries.literal(path) for path in files[table.name])
            parts.append(f"SELECT * FROM read_parquet([{listed}], union_by_name = true, "
                         f"hive_partitioning = false)")
        if overlay and table.name in overlay:
            parts.append(f"SELECT * FROM {overlay[table.name]}")
        con.execute(f"CREATE OR REPLACE TEMP VIEW {table.name} AS "
                    + " UNION ALL BY NAME ".join(parts))


def remove_unlisted(root: Path, current: dict[date, str], keep: set[str] = frozenset(),
                    now: float | None = None) -> int:
    """Remove the run folders no date's catalog row names (superseded by a later run of
    their date, or left by a run that did not commit), once older than the grace
    period; `keep` names run ids never to touch (the run in progress). Returns how many
    went."""
    now = time.time() if now is None else now
    removed = 0
    base = dates_dir(root)
    if not base.is_dir():
        return 0
    for day_dir in base.iterdir():
        for run_dir in day_dir.iterdir() if day_dir.is_dir() else ():
            run_id = run_dir.name.removeprefix("run=").removesuffix(".part")
            day = day_dir.name.removeprefix("biz_date=")
            listed = current.get(date.fromisoformat(day)) == run_id and \
                not run_dir.name.endswith(".part")
            if listed or run_id in keep:
                continue
            if now - run_dir.stat().st_mtime >= GRACE_SECONDS:
                shutil.rmtree(run_dir, ignore_errors=True)
                removed += 1
        if day_dir.is_dir() and not any(day_dir.iterdir()):
            day_dir.rmdir()
    return removed


def drop(root: Path, biz_date: date, run_id: str, tables: Iterable[str]) -> None:
    """Remove some of a date's files (retention); the catalog says so first."""
    for table in tables:
        (folder(root, biz_date, run_id) / f"{table}.parquet").unlink(missing_ok=True)


def _sync(directory: Path) -> None:
    """Make the rename of a folder in `directory` durable before the commit names it."""
    fd = os.open(directory, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
