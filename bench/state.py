"""`make bench-state` (part of `make bench`): what a run costs as the state grows, and
what a range rerun costs after one file changed (issue 27).

    python bench/state.py [--size 1000000] [--history 365] [--days 30] [--runs 3]
                          [--data bench-data] [--write BENCHMARKS.md]

1. History. The generated ledger of bench/run.py (uniform, one date D, --size entries a
   side) is reconciled into a fresh state; a copy of that state is then given --history
   dates before D by replicating D's stored rows to each earlier date (its date files
   with biz_date rewritten, its run, its date pointer, and its worklist items as
   resolved items of that date, with their history). Then `recon diff --date D --force`
   is timed --runs times on each: the rerun of one date on a fresh state and on a state
   that holds a year. Each run's disk writes are the child's block output (ru_oublock),
   which counts the state's files, the outputs and any spill.
2. Range rerun. A ledger of --days dates of --size entries a side (generated once) is
   reconciled whole (`recon diff --from --to`); then one date alone with --force (one
   date's run); then one file of the middle date is rewritten (one entry's amount
   changed) and the range is rerun, --runs times, each after a new change; then the
   same with an entry removed instead (a MISSING_IN finding appears, which cascades to
   the dates of the timing window after it); and once with --force.

It prints a Markdown table of medians and ratios, checks the targets of issue 27, and
with --write puts it into BENCHMARKS.md.
"""

from __future__ import annotations

import argparse
import shutil
import sqlite3
import statistics
import sys
from datetime import date, timedelta
from pathlib import Path

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402
from bench.run import DAY, dataset, run_usage  # noqa: E402

RECON = ROOT / ".venv" / "bin" / "recon"
MB = 2**20


def recon(*args: str) -> tuple[float, int, str]:
    """Run `recon args`; return (wall seconds, bytes written, stderr)."""
    seconds, usage, code, err = run_usage([str(RECON), *args])
    if code not in (0, 1):
        sys.exit(f"bench: recon {' '.join(args[:3])} failed (exit {code}): {err[-500:]}")
    return seconds, usage.ru_oublock * 512, err


def diff(data: Path, state: Path, *dates: str, force: bool = False) -> tuple[float, int, str]:
    span = ["--date", dates[0]] if len(dates) == 1 else ["--from", dates[0], "--to", dates[1]]
    return recon("diff", *span, "--v1", str(data / "v1"), "--v2", str(data / "v2"),
                 "--out", str(state / "out"), "--db", str(state / "recon.duckdb"),
                 "--fail-on", "never", *(["--force"] if force else []))


def size_of(path: Path) -> int:
    return sum(p.stat().st_size for p in path.rglob("*") if p.is_file())


# -- 1. a year of history --------------------------------------------------------------

def replicate(db: Path, day: date, history: int) -> None:
    """Give the state `db` (which holds `day` alone) `history` earlier dates, each a copy
    of `day`'s stored rows moved to that date."""
    catalog = sqlite3.connect(db / "catalog.sqlite")
    (run_id, stored), = catalog.execute(
        "SELECT run_id, stored FROM dates WHERE biz_date = ?", (day.isoformat(),))
    source = db / "dates" / f"biz_date={day}" / f"run={run_id}"
    duck = duckdb.connect()
    columns = lambda name: [r[1] for r in catalog.execute(f"PRAGMA table_info({name})")]  # noqa: E731
    runs, items, events = columns("runs"), columns("worklist"), columns("worklist_events")
    for k in range(1, history + 1):
        earlier = day - timedelta(days=k)
        new_run = run_id.replace(day.strftime("%Y%m%d"), earlier.strftime("%Y%m%d"), 1)
        folder = db / "dates" / f"biz_date={earlier}" / f"run={new_run}"
        folder.mkdir(parents=True)
        for name in stored.split(","):   # written as recon writes them
            duck.execute(f"COPY (SELECT * REPLACE (DATE '{earlier}' AS biz_date) "
                         f"FROM '{source / name}.parquet') TO '{folder / name}.parquet' "
                         f"(FORMAT parquet, COMPRESSION zstd)")
        swap = {"run_id": f"'{new_run}'", "biz_date": f"'{earlier}'",
                "last_run_id": f"'{new_run}'", "first_seen": f"'{earlier}'",
                "last_seen": f"'{earlier}'", "item_id": f"item_id || '@{earlier}'",
                "status": "'resolved'", "resolution": "'fixed'",
                "resolved_on": f"'{earlier + timedelta(days=1)}'"}
        catalog.execute(f"INSERT INTO runs ({', '.join(runs)}) SELECT {_pick(runs, swap)} "
                        f"FROM runs WHERE run_id = ?", (run_id,))
        catalog.execute("INSERT INTO dates (biz_date, run_id, stored) VALUES (?, ?, ?)",
                        (earlier.isoformat(), new_run, stored))
        catalog.execute(f"INSERT INTO worklist ({', '.join(items)}) SELECT {_pick(items, swap)} "
                        f"FROM worklist WHERE biz_date = ? AND item_id NOT LIKE '%@%'",
                        (day.isoformat(),))
        catalog.execute(f"INSERT INTO worklist_events ({', '.join(events)}) "
                        f"SELECT {_pick(events, swap)} FROM worklist_events WHERE run_id = ?",
                        (run_id,))
        catalog.execute("INSERT INTO worklist_events (item_id, changed_at, run_id, biz_date, "
                        "from_status, to_status, note) SELECT item_id || ?, ?, ?, ?, "
                        "'open', 'resolved', 'bench: repaired' FROM worklist "
                        "WHERE biz_date = ? AND item_id NOT LIKE '%@%'",
                        (f"@{earlier}", f"{earlier + timedelta(days=1)} 06:00:00", new_run,
                         (earlier + timedelta(days=1)).isoformat(), day.isoformat()))
    catalog.commit()
    catalog.close()
    duck.close()


def _pick(columns: list[str], swap: dict[str, str]) -> str:
    return ", ".join(swap.get(c, c) for c in columns)


def bench_history(data_root: Path, size: int, history: int, runs: int) -> dict:
    data = dataset(data_root, size)
    work = data_root / "work" / f"state-history-{size}"
    shutil.rmtree(work, ignore_errors=True)
    fresh, year = work / "fresh", work / "year"
    print(f"history: {size:,} entries a side, a fresh state", file=sys.stderr)
    first = diff(data, fresh, DAY.isoformat())
    shutil.copytree(fresh, year)
    print(f"  replicating the date to {history} earlier dates", file=sys.stderr)
    replicate(year / "recon.duckdb", DAY, history)
    result = {"first": first[0], "share": size_of(fresh / "recon.duckdb" / "dates"),
              "year_bytes": size_of(year / "recon.duckdb")}
    for name, state in (("fresh", fresh), ("year", year)):
        timings = []
        for i in range(runs):
            seconds, written, _ = diff(data, state, DAY.isoformat(), force=True)
            timings.append((seconds, written))
            print(f"  {name} rerun {i + 1}: {seconds:.2f} s, wrote {written / MB:.1f} MB",
                  file=sys.stderr)
        result[name] = timings
    shutil.rmtree(work, ignore_errors=True)
    return result


# -- 2. a range rerun after one file changed -------------------------------------------

def change_file(path: Path, n: int, remove: bool) -> None:
    """Rewrite the Parquet file `path` with its `n`-th entry's amount changed by one cent
    (a repair), or with that entry removed."""
    table = pq.read_table(path)
    if remove:
        table = pa.concat_tables([table.slice(0, n), table.slice(n + 1)])
    else:
        at = table.schema.get_field_index("amount")
        amounts = table.column(at).to_pylist()
        amounts[n] = amounts[n] + type(amounts[n])("0.01")
        table = table.set_column(at, table.schema.field(at),
                                 pa.array(amounts, table.schema.field(at).type))
    pq.write_table(table, path, compression="zstd")


def bench_range(data_root: Path, size: int, days: int, runs: int) -> dict:
    source = dataset(data_root, size, days=days)
    work = data_root / "work" / f"state-range-{size}"
    shutil.rmtree(work, ignore_errors=True)
    data, state = work / "data", work / "state"
    print(f"range: {days} dates of {size:,} entries a side", file=sys.stderr)
    shutil.copytree(source, data, ignore=shutil.ignore_patterns("truth"))
    first, last = DAY.isoformat(), (DAY + timedelta(days=days - 1)).isoformat()
    middle = DAY + timedelta(days=days // 2)
    result = {"full": diff(data, state, first, last)[0]}
    print(f"  full range: {result['full']:.1f} s", file=sys.stderr)
    result["unchanged"] = [diff(data, state, first, last)[0] for _ in range(runs)]
    result["one"] = [diff(data, state, middle.isoformat(), force=True)[0]
                     for _ in range(runs)]
    target = sorted((data / "v2" / "entries" / f"biz_date={middle}").glob("*.parquet"))[0]
    for name, remove in (("changed", False), ("removed", True)):
        result[name] = []
        for i in range(runs):
            change_file(target, 1000 + i, remove)
            result[name].append(diff(data, state, first, last)[0])
            print(f"  {name} {i + 1}: {result[name][-1]:.2f} s", file=sys.stderr)
    result["force"] = diff(data, state, first, last, force=True)[0]
    print(f"  --force: {result['force']:.1f} s", file=sys.stderr)
    shutil.rmtree(work, ignore_errors=True)
    return result


def render(history: dict, ranged: dict, args) -> str:
    med = lambda pairs: statistics.median(s for s, _ in pairs)  # noqa: E731
    wrote = lambda pairs: statistics.median(w for _, w in pairs)  # noqa: E731
    fresh, year = med(history["fresh"]), med(history["year"])
    one = statistics.median(ranged["one"])
    changed = statistics.median(ranged["changed"])
    removed = statistics.median(ranged["removed"])
    unchanged = statistics.median(ranged["unchanged"])
    lines = [
        "# Benchmarks", "",
        f"Reproduce: `make bench-state`, which runs `python bench/state.py "
        f"{' '.join(sys.argv[1:])}`. {args.size:,} entries a side per date; medians of "
        f"{args.runs} runs; disk written is the run's block output (state, outputs, spill).",
        "", "| state | rerun of one date (`--force`) | ratio | disk written | state size |",
        "|---|---|---|---|---|",
        f"| fresh (that date only) | {fresh:.2f} s | 1.00× | "
        f"{wrote(history['fresh']) / MB:.1f} MB | {history['share'] / MB:.1f} MB |",
        f"| a year ({args.history} more dates) | {year:.2f} s | {year / fresh:.2f}× | "
        f"{wrote(history['year']) / MB:.1f} MB | {history['year_bytes'] / MB:,.0f} MB |",
        "", f"The date's own share of the state (its files): {history['share'] / MB:.1f} MB.",
        "", f"| {args.days} dates, then | range rerun | against one date's run "
        f"({one:.2f} s) |", "|---|---|---|",
        f"| first run of the range | {ranged['full']:.1f} s | {ranged['full'] / one:.1f}× |",
        f"| nothing changed | {unchanged:.2f} s | {unchanged / one:.2f}× |",
        f"| one file of one date rewritten (an amount) | {changed:.2f} s | "
        f"{changed / one:.2f}× |",
        f"| one file of one date rewritten (an entry removed: cascades over the timing "
        f"window) | {removed:.2f} s | {removed / one:.2f}× |",
        f"| `--force` | {ranged['force']:.1f} s | {ranged['force'] / one:.1f}× |",
        "", "Targets (issue 27):",
        _target(f"a rerun on a year of state ≤ 1.1× on a fresh one ({year / fresh:.2f}×)",
                year <= 1.1 * fresh),
        _target(f"the range rerun after one file changed ≤ 1.5× one date's run "
                f"({changed / one:.2f}×)", changed <= 1.5 * one),
        _target(f"`--force` recomputes every date, as before "
                f"({ranged['force'] / ranged['full']:.2f}× the first run)",
                ranged["force"] <= 1.2 * ranged["full"]),
    ]
    return "\n".join(lines) + "\n"


def _target(text: str, met: bool) -> str:
    return f"- {'met' if met else 'NOT met'}: {text}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=1_000_000, help="entries a side a date")
    parser.add_argument("--history", type=int, default=365, help="dates of history")
    parser.add_argument("--days", type=int, default=30, help="dates of the range rerun")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", default=str(ROOT / "bench-data"))
    parser.add_argument("--write", default=None)
    args = parser.parse_args(argv)
    data_root = Path(args.data)
    data_root.mkdir(parents=True, exist_ok=True)
    history = bench_history(data_root, args.size, args.history, args.runs)
    ranged = bench_range(data_root, args.size, args.days, args.runs)
    text = render(history, ranged, args)
    print(text)
    if args.write:
        write_section(Path(args.write), f"state size={args.size} history={args.history} "
                      f"days={args.days}", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
