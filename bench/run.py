"""`make bench`: recon end to end against the bare minimum and against datacompy.

    python bench/run.py [--sizes 1000000,10000000] [--shapes uniform,hot] [--runs 3]
                        [--csv-size 10000000] [--data bench-data] [--memory-limit 4GB]
                        [--write BENCHMARKS.md]

For each shape and size (entries per side, one business date, Parquet): generate the
ledger pair with the fixtures generator (cached in --data by shape, size and seed), then,
on the same files in the same run:

- recon: `recon diff` end to end (load, match, findings, balances, outputs, state
  update) as a subprocess, --runs times, each on a fresh state database; wall time and
  peak RSS (the child's ru_maxrss), with its own --profile per stage;
- (a) read: DuckDB reading and hashing every compared column of both sides;
- (b) join: a bare DuckDB full outer join on (account_id, serial_no) writing the rows
  whose compared columns differ to Parquet;
- (c) datacompy (polars backend, decimal amounts) in its own environment
  (.venv-bench), when installed, stopped after --datacompy-timeout seconds;
- the state database recon left: its size per million entries a side, and against the
  size of the input Parquet files.

Shapes: `uniform`, accounts = entries / 10, entries spread evenly; `hot`, the same
accounts but 5% of the entries on 200 hot accounts (a platform's fee and settlement
accounts). With --csv-size, a CSV ledger pair of that size (uniform) is reconciled too,
against DuckDB's bare read_csv of the same files.

It prints a Markdown table of medians and ratios, checks the targets of issue 8, and
with --write puts the table into BENCHMARKS.md with the command that reproduces it.
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import time
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.report import (
    render,
    write_section,
)

ROOT = Path(__file__).resolve().parent.parent
PYTHON = ROOT / ".venv" / "bin" / "python"
BENCH_PYTHON = ROOT / ".venv-bench" / "bin" / "python"
DAY = date(2026, 11, 1)
COMPARED = ("serial_no", "account_id", "direction", "amount", "currency", "biz_type",
            "biz_order_no", "legal_entity", "subject_code")
KEY = ("account_id", "serial_no")
SEED = 20261101


@dataclass
class Measure:
    seconds: list[float] = field(default_factory=list)
    rss_kb: list[int] = field(default_factory=list)
    note: str = ""
    state_bytes: int | None = None   # recon: the state database it left

    @property
    def median(self) -> float | None:
        return statistics.median(self.seconds) if self.seconds else None

    @property
    def peak_gb(self) -> float | None:
        return max(self.rss_kb) / 1024 / 1024 if self.rss_kb else None


def run_child(argv: list[str], *, timeout: float | None = None, env: dict | None = None,
              stdout=subprocess.DEVNULL) -> tuple[float, int, int, str]:
    """Run argv; return (wall seconds, peak RSS in KB, exit code, stderr)."""
    seconds, usage, code, stderr = run_usage(argv, timeout=timeout, env=env, stdout=stdout)
    return seconds, usage.ru_maxrss, code, stderr


def run_usage(argv: list[str], *, timeout: float | None = None, env: dict | None = None,
              stdout=subprocess.DEVNULL) -> tuple[float, resource.struct_rusage, int, str]:
    """Run argv; return (wall seconds, the child's resource usage, exit code, stderr)."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, stdout=stdout, stderr=subprocess.PIPE, text=True,
                            env={**os.environ, **(env or {})})
    deadline = None if timeout is None else t0 + timeout
    while True:
        pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
        if pid:
            seconds = time.perf_counter() - t0
            stderr = proc.stderr.read() if proc.stderr else ""
            proc.returncode = os.waitstatus_to_exitcode(status)
            return seconds, usage, proc.returncode, stderr
        if deadline is not None and time.perf_counter() > deadline:
            proc.kill()
            _, status, usage = os.wait4(proc.pid, 0)
            proc.returncode = -9
            return time.perf_counter() - t0, usage, -9, "timed out"
        time.sleep(0.002)   # fine enough for a command of a tenth of a second


SHAPES = {"uniform": [], "hot": ["--hot-accounts", "200", "--hot-permille", "50"]}


def dataset(data_root: Path, size: int, shape: str = "uniform", fmt: str = "parquet",
            days: int = 1) -> Path:
    """The ledger pair of `size` entries a side (a date, for `days` dates from DAY on),
    generated once and cached."""
    name = f"{size}" if shape == "uniform" else f"{shape}-{size}"
    name = name if days == 1 else f"{days}days-{name}"
    folder = data_root / (name if fmt == "parquet" else f"{name}-{fmt}")
    stamp = folder / "truth" / "spec.json"
    if stamp.exists():
        return folder
    shutil.rmtree(folder, ignore_errors=True)
    accounts = max(size // 10, 1000)
    files = max(2, min(64, size // 1_250_000))
    print(f"generating {size:,} entries a side ({shape}, {fmt}) into {folder} ...",
          file=sys.stderr)
    seconds, rss, code, err = run_child([
        str(PYTHON), "-m", "fixtures.generate", str(folder), "--start", DAY.isoformat(),
        "--days", str(days), "--entries", str(size), "--accounts", str(accounts), "--breaks", "3",
        "--junk", "0", "--balance-breaks", "2", "--files", str(files), "--seed", str(SEED),
        "--format", fmt, *SHAPES[shape]])
    if code != 0:
        sys.exit(f"bench: generating {folder} failed: {err.strip()}")
    print(f"  generated in {seconds:.1f} s (peak RSS {rss / 1024 / 1024:.1f} GB)",
          file=sys.stderr)
    return folder


def input_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for system in ("v1", "v2")
               for p in (folder / system).rglob("*") if p.is_file())


def bench_recon(folder: Path, work: Path, runs: int, config: Path | None
                ) -> tuple[Measure, dict[str, list[float]]]:
    measure, stages = Measure(), {}
    for i in range(runs):
        state = work / f"recon-{i}"
        shutil.rmtree(state, ignore_errors=True)
        state.mkdir(parents=True)
        argv = [str(ROOT / ".venv" / "bin" / "recon"), "diff", "--date", DAY.isoformat(),
                "--v1", str(folder / "v1"), "--v2", str(folder / "v2"),
                "--out", str(state / "out"), "--db", str(state / "recon.duckdb"),
                "--fail-on", "never", "--profile"]
        if config is not None:
            argv += ["--config", str(config)]
        seconds, rss, code, err = run_child(argv)
        if code != 0:
            sys.exit(f"bench: recon diff failed (exit {code}): {err.strip()[-500:]}")
        measure.seconds.append(seconds)
        measure.rss_kb.append(rss)
        measure.state_bytes = sum(p.stat().st_size for p in state.glob("recon.duckdb*/**/*")
                                  if p.is_file())   # the state is a folder (docs/state.md)
        for name, secs in re.findall(r"^  ([a-z][a-z0-9 ]*?)\s+([\d.]+)\s+[\d.]+%", err, re.M):
            stages.setdefault(name, []).append(float(secs))
        print(f"  recon run {i + 1}: {seconds:.2f} s, peak RSS {rss / 1024 / 1024:.2f} GB",
              file=sys.stderr)
        shutil.rmtree(state, ignore_errors=True)
    return measure, stages


# The floors run with recon's memory limit and spill directory when --memory-limit is
# given (BENCH_MEMORY_LIMIT, BENCH_TEMP), so that a ratio compares like with like.
LIMITED = """
import duckdb, os, sys
con = duckdb.connect()
if os.environ.get("BENCH_MEMORY_LIMIT"):
    con.execute(f"SET memory_limit = '{os.environ['BENCH_MEMORY_LIMIT']}'")
    con.execute(f"SET temp_directory = '{os.environ['BENCH_TEMP']}'")
"""

BARE_READ = LIMITED + """
for side in sys.argv[1:3]:
    con.execute(f"SELECT sum(hash({', '.join(sys.argv[3].split(','))})) "
                f"FROM read_parquet('{side}/entries/*/*.parquet', hive_partitioning = false)"
                ).fetchall()
"""

BARE_JOIN = LIMITED + """
v1, v2, cols, key, out = sys.argv[1:6]
cols, key = cols.split(','), key.split(',')
differs = " OR ".join(f"a.{c} IS DISTINCT FROM b.{c}" for c in cols if c not in key)
con.execute(f'''COPY (
  SELECT * FROM read_parquet('{v1}/entries/*/*.parquet', hive_partitioning = false) AS a
  FULL OUTER JOIN read_parquet('{v2}/entries/*/*.parquet', hive_partitioning = false) AS b
  ON {" AND ".join(f"a.{k} = b.{k}" for k in key)}
  WHERE a.{key[0]} IS NULL OR b.{key[0]} IS NULL OR {differs}
) TO '{out}' (FORMAT parquet)''')
"""

BARE_READ_CSV = LIMITED + """
for side in sys.argv[1:3]:
    con.execute(f"SELECT count(*), sum(hash(COLUMNS(*))) FROM read_csv('{side}/entries/*/*.csv', "
                f"header = true, all_varchar = true, hive_partitioning = false)").fetchall()
"""

# The CSV floor: DuckDB's own full outer join of the same CSV files, types detected,
# writing the rows whose compared columns differ (what recon does, minus recon).
BARE_JOIN_CSV = LIMITED + """
v1, v2, cols, key, out = sys.argv[1:6]
cols, key = cols.split(','), key.split(',')
differs = " OR ".join(f"a.{c} IS DISTINCT FROM b.{c}" for c in cols if c not in key)
def scan(side):
    return f"read_csv('{side}/entries/*/*.csv', header = true, hive_partitioning = false)"
con.execute(f'''COPY (
  SELECT * FROM {scan(v1)} AS a FULL OUTER JOIN {scan(v2)} AS b
  ON {" AND ".join(f"a.{k} = b.{k}" for k in key)}
  WHERE a.{key[0]} IS NULL OR b.{key[0]} IS NULL OR {differs}
) TO '{out}' (FORMAT parquet)''')
"""

DATACOMPY = """
import glob, sys
import datacompy, polars as pl
v1, v2, cols, key = sys.argv[1:5]
cols, key = cols.split(','), key.split(',')
def read(side):
    return pl.read_parquet(sorted(glob.glob(f"{side}/entries/*/*.parquet")), columns=cols)
a, b = read(v1), read(v2)
assert a.schema["amount"] == pl.Decimal(18, 2), a.schema["amount"]   # money stays exact
compare = datacompy.PolarsCompare(a, b, join_columns=key, df1_name="v1", df2_name="v2")
compare.report()
print(compare.intersect_rows.height, compare.df1_unq_rows.height, compare.df2_unq_rows.height)
"""


def bench_script(script: str, python: Path, args: list[str], runs: int,
                 timeout: float | None = None, env: dict | None = None) -> Measure:
    measure = Measure()
    for _ in range(runs):
        seconds, rss, code, err = run_child([str(python), "-c", script, *args],
                                            timeout=timeout, env=env)
        if code == -9:
            measure.note = f"did not finish within {timeout:.0f} s"
            return measure
        if code != 0:
            measure.note = f"failed: {err.strip().splitlines()[-1] if err.strip() else code}"
            return measure
        measure.seconds.append(seconds)
        measure.rss_kb.append(rss)
    return measure


@dataclass
class Row:
    shape: str
    size: int
    recon: Measure
    read: Measure
    join: Measure
    datacompy: Measure
    input_bytes: int


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000000,10000000",
                        help="entries per side, comma-separated")
    parser.add_argument("--shapes", default="uniform,hot",
                        help=f"data shapes, comma-separated ({', '.join(SHAPES)})")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--csv-size", type=int, default=0,
                        help="also reconcile a CSV ledger pair of this size (0: none)")
    parser.add_argument("--data", default=str(ROOT / "bench-data"),
                        help="where generated ledgers are cached")
    parser.add_argument("--memory-limit", default=None,
                        help="run recon with [duckdb] memory_limit = this (e.g. 4GB)")
    parser.add_argument("--datacompy-timeout", type=float, default=300.0)
    parser.add_argument("--no-datacompy", action="store_true")
    parser.add_argument("--write", default=None, help="write the results to this file")
    args = parser.parse_args(argv)

    sizes = [int(s.replace("_", "")) for s in args.sizes.split(",") if s.strip()]
    shapes = [s.strip() for s in args.shapes.split(",") if s.strip()]
    unknown = [s for s in shapes if s not in SHAPES]
    if unknown:
        parser.error(f"unknown shape {unknown[0]!r}")
    data_root = Path(args.data)
    data_root.mkdir(parents=True, exist_ok=True)
    config, limited = None, None
    if args.memory_limit:
        config = data_root / "bench.toml"
        spill = data_root / "spill"
        config.write_text(f'[duckdb]\nmemory_limit = "{args.memory_limit}"\n'
                          f'temp_directory = "{spill}"\n')
        limited = {"BENCH_MEMORY_LIMIT": args.memory_limit, "BENCH_TEMP": str(spill)}
    rows, profiles = [], {}
    for shape in shapes:
        for size in sizes:
            folder = dataset(data_root, size, shape)
            work = data_root / "work" / f"{shape}-{size}"
            print(f"{shape} {size:,}: recon x{args.runs}", file=sys.stderr)
            recon, stages = bench_recon(folder, work, args.runs, config)
            profiles[(shape, size)] = {k: statistics.median(v) for k, v in stages.items()}
            print("  bare read", file=sys.stderr)
            read = bench_script(BARE_READ, PYTHON, [str(folder / "v1"), str(folder / "v2"),
                                                    ",".join(COMPARED)], args.runs, env=limited)
            print("  bare full outer join", file=sys.stderr)
            join = bench_script(BARE_JOIN, PYTHON, [str(folder / "v1"), str(folder / "v2"),
                                                    ",".join(COMPARED), ",".join(KEY),
                                                    str(work / "join.parquet")], args.runs,
                                env=limited)
            if args.no_datacompy:
                datacompy = Measure(note="not run (--no-datacompy)")
            elif not BENCH_PYTHON.exists():
                datacompy = Measure(note="not installed (make bench installs .venv-bench)")
            else:
                print("  datacompy (polars)", file=sys.stderr)
                datacompy = bench_script(DATACOMPY, BENCH_PYTHON,
                                         [str(folder / "v1"), str(folder / "v2"),
                                          ",".join(COMPARED), ",".join(KEY)], 1,
                                         timeout=args.datacompy_timeout)
            rows.append(Row(shape, size, recon, read, join, datacompy, input_bytes(folder)))
    csv = None
    if args.csv_size:
        folder = dataset(data_root, args.csv_size, "uniform", "csv")
        work = data_root / "work" / f"csv-{args.csv_size}"
        print(f"csv {args.csv_size:,}: recon x{args.runs}", file=sys.stderr)
        recon, _ = bench_recon(folder, work, args.runs, config)
        print("  bare read_csv", file=sys.stderr)
        read = bench_script(BARE_READ_CSV, PYTHON, [str(folder / "v1"), str(folder / "v2")],
                            args.runs, env=limited)
        print("  bare full outer join of the CSV files", file=sys.stderr)
        join = bench_script(BARE_JOIN_CSV, PYTHON, [str(folder / "v1"), str(folder / "v2"),
                                                    ",".join(COMPARED), ",".join(KEY),
                                                    str(work / "join.parquet")], args.runs,
                            env=limited)
        csv = (args.csv_size, recon, read, join)

    text = render(rows, profiles, csv, args, config)
    print(text)
    if args.write:
        key = (f"sizes={args.sizes} shapes={args.shapes} csv={args.csv_size} "
               f"memory_limit={args.memory_limit or 'default'}")
        write_section(Path(args.write), key, text)
        print(f"wrote {args.write}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
