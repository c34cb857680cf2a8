"""Bringing a state to this recon's format, on first use, under the run lock (docs/state.md,
"Upgrading"): a missing state is made; a state of the single-DuckDB-file formats
(schema 1 to 5) is converted into a folder, its file kept beside it as a backup, never
discarded.

The conversion builds the folder under a temporary name (`<db>.migrating`) and renames
both at the end: the file to `<db>.schema<N>.bak` (with its working copy and WAL, if a
killed run left them), the folder to `<db>`. A conversion killed at any point is redone
or finished by the next one.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import duckdb

from recon import __version__, queries
from recon.config import Config
from recon.errors import UsageError, first_line
from recon.state import files
from recon.state.catalog import Catalog
from recon.state.schema import DATE_TABLES, STATE_FORMAT, TABLES
from recon.state.settings import connect

OLD_CATALOG = ("runs", "worklist", "worklist_events", "timing_matches")


def to_current(root: Path, config: Config) -> None:
    """Make the state at `root` one this recon writes (see the module)."""
    migrating = root.with_name(root.name + ".migrating")
    if not root.exists() and (migrating / "catalog.sqlite").exists() \
            and _finished(migrating):
        os.replace(migrating, root)        # a conversion killed after its first rename
    if root.is_file():
        _convert(root, migrating, config)
    elif not root.exists():
        try:
            root.mkdir(parents=True)
        except OSError as exc:
            raise UsageError(f"cannot write the state database: {exc.strerror or exc}",
                             str(root)) from None
        _new_catalog(root / "catalog.sqlite", origin="new")


def _new_catalog(path: Path, origin: str) -> None:
    catalog = Catalog(path)
    try:
        catalog.create()
        with catalog.transaction():
            for key, value in (("state_format", str(STATE_FORMAT)),
                               ("created_by", __version__), ("origin", origin)):
                catalog.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (:k, :v)",
                                {"k": key, "v": value})
    finally:
        catalog.close()


def upgrade(path: Path) -> None:
    """A catalog of an earlier folder format brought to this one (Catalog.create adds
    the columns a later format added; the date files of earlier runs lack them, and
    read as NULL)."""
    catalog = Catalog(path)
    try:
        catalog.create()
        with catalog.transaction():
            catalog.execute("UPDATE meta SET value = :v WHERE key = 'state_format'",
                            {"v": str(STATE_FORMAT)})
    finally:
        catalog.close()


def _finished(folder: Path) -> bool:
    catalog = Catalog(folder / "catalog.sqlite", read_only=True)
    try:
        return catalog.meta("state_format") is not None
    except Exception:   # a catalog the conversion had not finished
        return False
    finally:
        catalog.close()


# (version, script) of the single-file formats' migrations, applied in order to bring an
# older file up to the last of them before it is converted (to a copy: the file itself
# is kept). Schema 1 itself is tests/data/schema_v1.sql, as the tests make such a file.
LEGACY = tuple((n, f"legacy/schema_v{n}") for n in range(2, 6))


def _convert(root: Path, target: Path, config: Config) -> None:
    """The single-file state at `root` as a folder (see the module)."""
    working = root.with_name(root.name + ".run")   # newer than root if a run was killed
    source = working if working.exists() else root
    version = _file_version(source)
    if version is None:
        raise UsageError("not a recon state (a file that is not recon's DuckDB state)",
                         str(root))
    if version > LEGACY[-1][0]:
        raise UsageError(f"the state database has schema version {version}, newer than "
                         f"this recon reads (1 to {STATE_FORMAT}): use the recon that "
                         f"wrote it, or a newer one", str(root))
    upgraded = None
    if version < LEGACY[-1][0]:
        upgraded = _upgraded(source, root.with_name(root.name + ".upgrading"), version)
    try:
        _convert_file(root, upgraded or source, target, config, working, version)
    finally:
        if upgraded is not None:
            for leftover in (upgraded, Path(f"{upgraded}.wal")):
                leftover.unlink(missing_ok=True)


def _file_version(path: Path) -> int | None:
    """The schema version of a single-file state; None for a file that is not one."""
    try:
        con = duckdb.connect(str(path), read_only=True)
    except duckdb.Error:
        return None
    try:
        return int(con.execute("SELECT value FROM meta WHERE key = 'schema_version'"
                               ).fetchone()[0])
    except (duckdb.Error, TypeError, ValueError):
        return None
    finally:
        con.close()


def _upgraded(source: Path, copy: Path, version: int) -> Path:
    """A copy of an older single-file state brought up to schema 5 by the migrations of
    its day."""
    shutil.copyfile(source, copy)
    con = duckdb.connect(str(copy))
    try:
        for number, script in LEGACY:
            if number > version:
                for statement in queries.statements(script):
                    con.execute(statement)
                con.execute("UPDATE meta SET value = ? WHERE key = 'schema_version'",
                            [str(number)])
    finally:
        con.close()
    return copy


def _convert_file(root: Path, source: Path, target: Path, config: Config, working: Path,
                  version: int) -> None:
    con = connect(config)
    try:
        con.execute(f"ATTACH {queries.literal(str(source))} AS old (READ_ONLY)")
    except duckdb.Error as exc:
        con.close()
        raise UsageError(f"not a recon state, nor one this recon can convert: "
                         f"{first_line(exc)}", str(root)) from None
    try:
        shutil.rmtree(target, ignore_errors=True)
        target.mkdir(parents=True)
        catalog = Catalog(target / "catalog.sqlite")
        catalog.create()
        with catalog.transaction():
            for table in OLD_CATALOG:
                catalog.write(con, table, _old_rows(con, table))
            stored = _date_files(con, target)
            for biz_date, (run_id, tables) in stored.items():
                catalog.execute("INSERT INTO dates (biz_date, run_id, stored) "
                                "VALUES (:d, :r, :s)",
                                {"d": biz_date, "r": run_id, "s": ",".join(tables)})
            for key, value in (("state_format", str(STATE_FORMAT)),
                               ("created_by", __version__),
                               ("origin", f"converted from schema {version}: {root.name}")):
                catalog.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (:k, :v)",
                                {"k": key, "v": value})
        catalog.close()
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    finally:
        con.close()
    backup = root.with_name(f"{root.name}.schema{version}.bak")
    for old in (working, Path(f"{root}.wal"), Path(f"{working}.wal")):
        if old.exists():
            os.replace(old, backup.with_name(backup.name + old.name[len(root.name):]))
    os.replace(root, backup)
    os.replace(target, root)


def _old_columns(con, table: str) -> set[str] | None:
    rows = con.execute("SELECT column_name FROM duckdb_columns() WHERE database_name = 'old' "
                       "AND table_name = ?", [table]).fetchall()
    return {name for (name,) in rows} or None


def _old_rows(con, table: str, where: str = "") -> str:
    """The old table's rows with the columns of this recon's `table`, by name (a column
    an older schema lacks is NULL; a table it lacks, no rows)."""
    spec = TABLES[table]
    present = _old_columns(con, table)
    if present is None:
        return f"(SELECT {', '.join(f'NULL AS {n}' for n in spec.names)} WHERE false)"
    columns = ", ".join(queries.ident(n) if n in present else f"NULL AS {queries.ident(n)}"
                        for n in spec.names)
    return f"(SELECT {columns} FROM old.{queries.ident(table)} {where})"


def _date_files(con, target: Path) -> dict:
    """Each date's rows as its folder of files, named for the date's latest successful
    run (the one whose results the old state held): {date: (run_id, tables)}."""
    runs = dict(con.execute(
        "SELECT biz_date, arg_max(run_id, started_at) FROM old.runs "
        "WHERE status = 'succeeded' GROUP BY biz_date").fetchall())
    stored: dict = {}
    for table in DATE_TABLES:
        if _old_columns(con, table.name) is None:
            continue
        days = [d for (d,) in con.execute(
            f"SELECT DISTINCT biz_date FROM old.{table.name} ORDER BY 1").fetchall()]
        for day in days:
            run_id = runs.get(day, "migrated")
            folder = files.folder(target, day, run_id)
            folder.mkdir(parents=True, exist_ok=True)
            rows = _old_rows(con, table.name, f"WHERE biz_date = DATE '{day.isoformat()}'")
            con.execute(f"COPY {rows} TO {queries.literal(str(folder / f'{table.name}.parquet'))} "
                        f"(FORMAT parquet, COMPRESSION zstd)")
            stored.setdefault(day, (run_id, []))[1].append(table.name)
    return stored
