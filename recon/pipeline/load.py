"""The load stage: reading both systems' datasets for one date (docs/interface.md §1).

Every file of a partition is opened as a relation in which each row gets its typed
values and, if it breaks a rule, a reason (recon/pipeline/rules.py); the partition is
the union of its files (a view: nothing is copied). Balances, one row per account, are
staged in the date's `date_balances`. Entries are not copied at all: one pass aggregates
them per account and per flow, the rows that broke a rule go to `date_rejects`, and the
join reads the same view (recon/pipeline/match.py). Nothing is dropped or coerced. A
file that cannot be read, a missing required column or a missing partition raises
InputError.
"""

from __future__ import annotations

import dataclasses
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date

from recon.config import Config
from recon.contract import ENTRY_RULES, RULES, SYSTEMS
from recon.errors import InternalError, ReconError
from recon.pipeline.rules import file_select
from recon.pipeline.run import DateRun
from recon.sources import Location, OpenedFile, SourceFile

FILE_STRIDE = 1 << 32  # entry_id = file_index * FILE_STRIDE + source_row


def run(r: DateRun) -> None:
    """Open and check both systems' entries and balances of the date; the compared
    fields are those both systems have."""
    for system in SYSTEMS:
        with r.stages.stage(f"load {system}") as stage:
            r.scans[system] = scan_entries(
                r.engine, system=system, location=r.request.inputs.locate(system, "entries"),
                biz_date=r.biz_date, config=r.config)
            r.balance_loads[system] = load_balances(
                r.engine, system=system,
                location=r.request.inputs.locate(system, "balances"),
                biz_date=r.biz_date, config=r.config)
            read, balances = r.scans[system].stats.rows_read, r.balance_loads[system].rows_read
            stage.rows = read + balances
            stage.detail = f"{read:,} entries, {balances:,} balances"
    required = {rule.column for rule in ENTRY_RULES if rule.required}
    present = {column for column in r.config.compare_fields
               if all(column in required or column in r.loads[s].present_columns
                      for s in SYSTEMS)}
    r.fields = tuple(f for f in r.config.compare_fields if f in present)
    r.skipped = tuple(f for f in r.config.compare_fields if f not in present)


@dataclass(frozen=True)
class LoadStats:
    """What loading one dataset of one system for one date did."""

    system: str
    dataset: str
    files: tuple[SourceFile, ...]
    rows_read: int
    rows_loaded: int
    rows_rejected: int
    present_columns: frozenset[str]  # optional columns present in at least one file
    file_rows: tuple[int, ...] = ()  # rows read from each of `files`, in order

    def fingerprints(self) -> list[dict]:
        rows = self.file_rows or (None,) * len(self.files)
        return [f.fingerprint(n) for f, n in zip(self.files, rows, strict=True)]


@dataclass(frozen=True)
class ScannedEntries:
    """One system's entries of one date, opened for the streaming reconciliation: the
    engine relation `valid` of its valid rows (typed, every contract column, with
    file_index and source_row), and the per-account and per-flow aggregates of one pass
    over them."""

    stats: LoadStats
    scan: str          # the view of every row, typed, with its reason (NULL when valid)
    valid: str         # the relation of the valid rows
    files: str         # (file_index, source_file) of the files


def _open(engine, *, system: str, dataset: str, location: Location, biz_date: date,
          config: Config):
    """List and open a partition's files: the engine relation that types and checks
    every row of them (a view), the table naming the files, and what was opened."""
    files = engine.partition_files(location, dataset, biz_date, system)
    rules = RULES[dataset]
    stage = f"scan_{dataset}_{system}"
    # Every relation says which files it reads and their places in the partition; an
    # engine that opens one relation per file leaves it to the relation's own place.
    opened = [file if file.covers or file.files else
              dataclasses.replace(file, covers=((index, file.source),))
              for index, file in enumerate(engine.open_sources(files, stage, biz_date))]
    present = {r.column for file in opened for r in rules
               if config.source_column(system, r.column) in file.columns}

    # Rows carry their file's number, not its path: the paths are joined back from
    # {stage}_files only where rows are written to the state (rejects, evidence).
    files_selects, files_params = [], {}
    for file in opened:
        select, file_params = _files_select(file)
        files_selects.append(select)
        files_params.update(file_params)
    engine.execute(f"CREATE OR REPLACE TEMP TABLE {stage}_files AS\n"
                   + "\nUNION ALL\n".join(files_selects), files_params)
    engine.execute(f"CREATE OR REPLACE TEMP VIEW {stage} AS\n" + "\nUNION ALL\n".join(
        file_select(file, rules, system, biz_date, config) for file in opened), {})
    return stage, files, opened, frozenset(present)


@contextmanager
def reading(engine, files):
    """A pass through the inputs' rows: a failure there that is a file the engine
    cannot read through (a corrupt page behind an intact footer) is an input error
    naming the file; any other failure stays what it is."""
    try:
        yield
    except ReconError:
        raise
    except Exception as exc:
        raise engine.read_error(files, exc) from None


def _malformed(engine, opened, where: dict) -> dict[int, int]:
    """Write the CSV lines that could not be split into their header's columns to
    rejects; return how many there were, by the file's place in the partition."""
    counts = {}
    for file in opened:
        if file.malformed is not None:
            engine.run("load/insert_csv_rejects", {**where, "file": str(file.source.path)},
                       rejects=file.malformed)
            counts[file.covers[0][0]] = engine.query(
                f"SELECT count(DISTINCT line) FROM {file.malformed}")[0][0]
    return counts


def _file_rows(counted: dict[int, int], files, malformed: dict[int, int]) -> tuple[int, ...]:
    """The rows read from each file of the partition: those the relation holds, by
    file_index, and its malformed CSV lines. A table is one source."""
    if len(files) == 1:
        return (sum(counted.values()) + sum(malformed.values()),)
    return tuple(counted.get(i, 0) + malformed.get(i, 0) for i in range(len(files)))


def load_balances(engine, *, system: str, location: Location, biz_date: date,
                  config: Config) -> LoadStats:
    """Read one system's balances of the date into the engine's `balances` and
    `rejects`. Balances are one row per account: they are staged in full, so that a
    duplicated account can have all of its rows rejected."""
    stage, files, opened, present = _open(engine, system=system, dataset="balances",
                                          location=location, biz_date=biz_date,
                                          config=config)
    with reading(engine, files):
        engine.execute(f"CREATE OR REPLACE TEMP TABLE {stage}_rows AS SELECT * FROM {stage}",
                       {})
    engine.run("load/reject_duplicate_balances", {}, stage=f"{stage}_rows")
    where = {"d": biz_date, "s": system, "ds": "balances"}
    engine.run("load/insert_scan_rejects", where, scan=f"{stage}_rows",
               files=f"{stage}_files")
    malformed = _malformed(engine, opened, where)
    engine.run("load/insert_balances", {"d": biz_date, "s": system}, stage=f"{stage}_rows",
               files=f"{stage}_files")
    per_file = engine.query(f"SELECT file_index, count(*), count(reason) FROM {stage}_rows "
                            f"GROUP BY file_index")
    staged, rejected = sum(n for _, n, _ in per_file), sum(r for _, _, r in per_file)
    file_rows = _file_rows({i: n for i, n, _ in per_file}, files, malformed)
    engine.drop(f"{stage}_rows", stage, f"{stage}_files",
                *(f"{stage}_{i}" for i in range(len(files))),
                *(f.malformed for f in opened if f.malformed is not None),
                *(f.files for f in opened if f.files is not None))
    malformed = sum(malformed.values())
    return LoadStats(system=system, dataset="balances", files=files,
                     rows_read=staged + malformed, rows_loaded=staged - rejected,
                     rows_rejected=rejected + malformed, present_columns=present,
                     file_rows=file_rows)


def scan_entries(engine, *, system: str, location: Location, biz_date: date,
                 config: Config) -> ScannedEntries:
    """Open one system's entries of the date and make one pass over them: per-account
    aggregates (rows read, rejected, entries, Σ signed, latest entity) and per-flow
    aggregates.
    Rejects are written from a second pass only when that count found some.

    Nothing is copied: the join (recon/sql/match/key_join.sql) reads the same relation."""
    stage, files, opened, present = _open(engine, system=system, dataset="entries",
                                          location=location, biz_date=biz_date,
                                          config=config)
    with reading(engine, files):
        engine.run("load/entry_aggregates", {}, scan=stage,
                   latest_entity=engine.latest_entity)
        engine.run("load/dup_keys", {}, scan=stage)
    ((rows, rejected, loaded),) = engine.query(
        f"SELECT COALESCE(sum(rows_read), 0), COALESCE(sum(rejected), 0), "
        f"COALESCE(sum(entries), 0) FROM {stage}_accounts")
    where = {"d": biz_date, "s": system, "ds": "entries"}
    if rejected:
        engine.run("load/insert_scan_rejects", where, scan=stage, files=f"{stage}_files")
    malformed_by_file = _malformed(engine, opened, where)
    malformed = sum(malformed_by_file.values())
    file_rows = _file_rows(
        dict(engine.query(f"SELECT file_index, count(*) FROM {stage} GROUP BY file_index")),
        files, malformed_by_file)   # a count that reads no column
    if sum(file_rows) != int(rows) + malformed:
        raise InternalError(f"row count of {system} entries on {biz_date} differs between "
                            f"the files ({sum(file_rows)}) and the aggregate pass "
                            f"({int(rows) + malformed})")
    valid = f"(SELECT * FROM {stage} WHERE reason IS NULL)" if rejected else stage
    stats = LoadStats(system=system, dataset="entries", files=files,
                      rows_read=int(rows) + malformed, rows_loaded=int(loaded),
                      rows_rejected=int(rejected) + malformed, present_columns=present,
                      file_rows=file_rows)
    return ScannedEntries(stats, stage, valid, f"{stage}_files")


def _files_select(file: OpenedFile) -> tuple[str, dict]:
    """The SELECT of the (file_index, source_file) rows of one opened relation (or
    table), with its parameters."""
    if file.files is not None:
        return f"SELECT file_index, source_file FROM {file.files}", {}
    return ("\nUNION ALL\n".join(f"SELECT {i} AS file_index, $f{i} AS source_file"
                                 for i, _ in file.covers),
            {f"f{i}": str(source.path) for i, source in file.covers})


