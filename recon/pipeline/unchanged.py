"""Unchanged dates are not recomputed (docs/interface.md §5).

A date's fingerprint is what decides its results: every input file's path, size and
modification time, and the footer of each Parquet file (its row groups and statistics:
a file rewritten in place with other rows has another one), the settings that change
what is found (compared fields, severity thresholds, the timing window, the netting
bound, column maps, the accounts cut over by the date,
what the state keeps, --fail-on) and recon's version. A date whose last successful run
had the same fingerprint is not read again, unless a date within the timing window
before it was recomputed in the same run and its MISSING_IN_* items changed (they are
what the later date's cross-date match pairs with; a date recomputed with the same ones
leaves the dates after it as they were): its line says `unchanged since run <id>`, its
exit code is that run's, and its output folder is re-rendered from the state if it is
missing. A database or metastore source has no fingerprint: such a date is always
read.
"""

from __future__ import annotations

import hashlib
import json
import os
from datetime import date, datetime, timedelta
from pathlib import Path

from recon import __version__
from recon.errors import ReconError
from recon.result import Unchanged
from recon.sources.files import partition_files
from recon.state import files

FOOTER_BYTES = 1 << 20   # a Parquet footer larger than this is hashed by its first MiB
OUTPUT_FILES = ("worklist.parquet", "worklist.csv", "rejects.parquet", "summary.json",
                "report.md")


def fingerprint(request, biz_date: date) -> str | None:
    """The date's fingerprint (see the module), or None when it has none: a source that
    is not files, or a partition that cannot be listed (the run says why)."""
    inputs = request.inputs
    listed = {}
    try:
        for system in ("v1", "v2"):
            for dataset in ("entries", "balances"):
                location = inputs.locate(system, dataset)
                if not isinstance(location, Path):
                    return None
                listed[f"{system}/{dataset}"] = [
                    [str(f.path), f.size, f.mtime_ns, _footer(Path(f.path), f.format)]
                    for f in partition_files(location, dataset, biz_date, system)]
    except (ReconError, OSError):
        return None
    config = request.config
    settings = {"fields": list(config.compare_fields), "p1": str(config.p1_amount),
                "p2": str(config.p2_amount), "window": config.timing_window_days,
                "netting": config.netting_max_entries,
                "columns": {s: dict(m) for s, m in config.column_maps.items()},
                "keep_entries": config.keep_entries, "fail_on": request.fail_on,
                "recon": __version__}
    if config.cutover is not None:   # the accounts cut over by the date, and when
        settings["cutover"] = config.cutover.digest(biz_date)
    text = json.dumps({"inputs": listed, "settings": settings}, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


def _footer(path: Path, fmt: str) -> str | None:
    """A hash of a Parquet file's footer (metadata: schema, row groups, statistics)."""
    if fmt != "parquet":
        return None
    with open(path, "rb") as handle:
        handle.seek(-8, os.SEEK_END)
        tail = handle.read(8)
        length = int.from_bytes(tail[:4], "little")
        handle.seek(-8 - min(length, FOOTER_BYTES), os.SEEK_END)
        return hashlib.sha256(handle.read(min(length, FOOTER_BYTES)) + tail).hexdigest()


def unchanged(store, request, biz_date: date, print_: str | None,
              moved: set[date]) -> Unchanged | None:
    """The date's last successful run if nothing it read or decided with changed since
    (see the module), else None: the date is to be recomputed. `moved`: the dates of
    this run recomputed with other MISSING_IN_* items than before."""
    window = request.config.timing_window_days
    if print_ is None or any(biz_date - timedelta(days=k) in moved
                             for k in range(1, window + 1)):
        return None
    last = store.catalog.rows(
        "SELECT run_id, fingerprint, exit_code, counts, out_dir FROM runs "
        "WHERE biz_date = :d AND status = 'succeeded' ORDER BY started_at DESC LIMIT 1",
        {"d": biz_date})
    if not last or last[0][1] != print_:
        return None
    run_id, _, code, counts, out_dir = last[0]
    return Unchanged(biz_date, run_id, int(code), json.loads(counts), out_dir)


MISSING = "kind IN ('MISSING_IN_V1', 'MISSING_IN_V2')"


def missing_items(con, store, biz_date: date) -> set[str]:
    """The MISSING_IN_* items of the date as the state holds it now (before a rerun)."""
    stored = store.catalog.rows("SELECT run_id, stored FROM dates WHERE biz_date = :d",
                                {"d": biz_date})
    if not stored or "findings" not in (stored[0][1] or "").split(","):
        return set()
    path = files.folder(store.root, biz_date, stored[0][0]) / "findings.parquet"
    return {item for (item,) in con.execute(
        f"SELECT item_id FROM read_parquet(?) WHERE {MISSING}", [str(path)]).fetchall()}


def new_missing_items(con) -> set[str]:
    """The MISSING_IN_* items a run just found (its date_findings)."""
    return {item for (item,) in con.execute(
        f"SELECT item_id FROM date_findings WHERE {MISSING}").fetchall()}


def outputs_missing(out_dir: Path, biz_date: date, html: bool) -> bool:
    folder = Path(out_dir) / biz_date.isoformat()
    wanted = (*OUTPUT_FILES, *(("report.html",) if html else ()))
    return not all((folder / name).is_file() for name in wanted)


def rerender(con, store, request, same: Unchanged) -> None:
    """Write the output folder of an unchanged date again, from the state (its findings
    as they are, their worklist statuses as they are now)."""
    from types import SimpleNamespace

    from recon.pipeline import publish, summarize
    from recon.pipeline.run import DateRun
    from recon.pipeline.stages import Stages
    from recon.result import SystemCounts

    summary = same.summary
    store.read(con, same.biz_date, same.biz_date)
    started = datetime.fromisoformat(summary["started_at"].removesuffix("Z"))
    r = DateRun(con, SimpleNamespace(name=summary.get("engine", "duckdb")), request,
                same.biz_date, same.run_id, started, Stages(), store=store)
    counted = SystemCounts.__dataclass_fields__
    r.systems = {s: SystemCounts(**{k: v for k, v in counts.items() if k in counted})
                 for s, counts in summary["systems"].items()}
    r.fields, r.skipped = tuple(summary["compared_fields"]), tuple(summary["skipped_fields"])
    r.resolved = summary.get("resolved_by_this_run", 0)
    result = summarize.date_result(r)
    page = summarize.date_page(con, result) if request.config.html else None
    staging = publish.write(con, result, page, request.out_dir, same.run_id)
    publish.publish(staging, Path(request.out_dir) / same.biz_date.isoformat())
