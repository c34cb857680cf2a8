"""What a run asks for (`DiffRequest`), and one date's run as it goes through the stages
(`DateRun`): each stage reads what the stages before it left here and adds its own."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path

from recon.config import Config
from recon.pipeline.stages import Stages
from recon.result import DateResult, SystemCounts
from recon.sources import Inputs


@dataclass(frozen=True)
class DiffRequest:
    v1_dir: Path | None   # None when the system is read from metastore tables
    v2_dir: Path | None
    out_dir: Path
    db_path: Path
    config: Config
    command: str = "diff"
    fail_on: str = "any"     # what the date's recorded exit code counts (--fail-on)
    force: bool = False      # recompute dates whose inputs did not change (--force)

    @property
    def inputs(self) -> Inputs:
        return Inputs(self.v1_dir, self.v2_dir, self.config)


@dataclass
class DateRun:
    """One date's run: the connection and engine it works on, and what each stage found.

    load      scans (per system: its entries opened and aggregated), balance_loads,
              fields (the compared fields both systems have) and skipped (the others)
    match     counts (pairs and lone entries of the key and serial matches)
    classify  beyond (per system: entries the matches beyond one-to-one paired)
    worklist  resolved (the items the run resolved)
    audit     systems (per system: the row counts summary.json gives)
    summarize result
    outputs   staging (the folder the date's files were written to)"""

    con: object
    engine: object
    request: DiffRequest
    biz_date: date
    run_id: str
    started: datetime
    stages: Stages
    scans: dict = field(default_factory=dict)
    balance_loads: dict = field(default_factory=dict)
    fields: tuple[str, ...] = ()
    skipped: tuple[str, ...] = ()
    counts: object = None
    beyond: dict[str, int] = field(default_factory=dict)
    store: object = None       # recon/state/store.py's Store: the state the run writes
    fingerprint: str | None = None   # of its inputs and settings (pipeline/unchanged.py)
    resolved: int = 0
    systems: dict[str, SystemCounts] = field(default_factory=dict)
    result: DateResult | None = None
    staging: Path | None = None

    @property
    def config(self) -> Config:
        return self.request.config

    @property
    def loads(self) -> dict:
        """Each system's entries as loaded (LoadStats)."""
        return {system: scan.stats for system, scan in self.scans.items()}

    def fingerprints(self) -> dict:
        """What the run log keeps of the inputs: every file (or source) read."""
        return {f"{s}/{stats.dataset}": stats.fingerprints()
                for s in self.scans
                for stats in (self.scans[s].stats, self.balance_loads[s])}
