"""`make bench-scale`: per-core throughput of each stage, on DuckDB and on a Spark
standalone cluster on this machine, the figures docs/scale.md plans 1B entries from.

    python bench/scale.py [--sizes 1000000,4000000] [--workers 2] [--runs 1]
                          [--write BENCHMARKS.md]

The same generated ledgers (one date, Parquet, each size in entries a side) are
reconciled by `recon diff --profile`: by the DuckDB engine with 1 thread and with
`--workers` threads, and by the Spark engine on a standalone cluster of `--workers`
workers of one core each (fixtures/spark_cluster.py). A stage's time is a fixed part
(jobs scheduled, files written, whatever the size) and a part per row; two sizes
separate them: the marginal throughput per core is Δrows / Δseconds / cores between the
smallest and the largest size, the fixed part what the smallest size's time has beyond
its rows at that rate. Medians of --runs.
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.report import write_section
from bench.run import DAY, ROOT, dataset, run_child
from fixtures import spark_cluster

STAGE = re.compile(r"^  ([a-z][a-z0-9 ]*?)[ ]+([\d.]+)[ ]+[\d.]+%[ ]*([\d,]*)", re.M)
HEAVY = ("load v1", "load v2", "match", "classify")   # the stages an engine runs


def profile(folder: Path, work: Path, config: Path | None, runs: int
            ) -> tuple[float, dict[str, tuple[float, int]]]:
    """(median wall seconds, {stage: (median seconds, rows)})."""
    walls, stages = [], {}
    for i in range(runs):
        state = work / f"run-{i}"
        argv = [str(ROOT / ".venv" / "bin" / "recon"), "diff", "--date", DAY.isoformat(),
                "--v1", str(folder / "v1"), "--v2", str(folder / "v2"), "--out",
                str(state / "out"), "--db", str(state / "recon.duckdb"), "--fail-on",
                "never", "--no-html", "--profile"]
        if config is not None:
            argv += ["--config", str(config)]
        env = {**os.environ, "SPARK_LOCAL_IP": "127.0.0.1", "PYSPARK_PYTHON": sys.executable}
        seconds, _, code, err = run_child(argv, env=env)
        if code != 0:
            sys.exit(f"bench: recon diff failed (exit {code}): {err.strip()[-800:]}")
        walls.append(seconds)
        for name, secs, rows in STAGE.findall(err):
            stages.setdefault(name, []).append((float(secs), int(rows.replace(",", "") or 0)))
    return statistics.median(walls), {
        name: (statistics.median(s for s, _ in found), found[0][1])
        for name, found in stages.items()}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="1000000,4000000")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--data", default=str(ROOT / "bench-data"))
    parser.add_argument("--write", default=None)
    args = parser.parse_args(argv)
    sizes = [int(x) for x in args.sizes.split(",")]
    folders = {size: dataset(Path(args.data), size) for size in sizes}
    work = Path(tempfile.mkdtemp(prefix="recon-scale-"))
    cases: list[tuple[str, int, dict]] = []   # (engine, cores, {size: (wall, stages)})
    for threads in sorted({1, args.workers}):
        config = work / f"duckdb-{threads}.toml"
        config.write_text(f"[duckdb]\nthreads = {threads}\n")
        runs = {}
        for size in sizes:
            print(f"duckdb, {threads} thread(s), {size:,}", file=sys.stderr)
            runs[size] = profile(folders[size], work / f"duckdb-{threads}-{size}", config,
                                 args.runs)
        cases.append((f"DuckDB, {threads} thread(s)", threads, runs))
    cluster = spark_cluster.start(work / "cluster", workers=args.workers)
    try:
        config = work / "spark.toml"
        config.write_text('engine = "spark"\n' + cluster.recon_config(
            work / "spark-work", partitions=4 * args.workers, memory="1g"))
        runs = {}
        for size in sizes:
            print(f"spark cluster, {args.workers} worker(s) of 1 core, {size:,}",
                  file=sys.stderr)
            runs[size] = profile(folders[size], work / f"spark-{size}", config, args.runs)
        cases.append((f"Spark cluster, {args.workers} × 1 core", args.workers, runs))
    finally:
        cluster.stop()
    text = render(cases, sizes, args)
    print(text)
    if args.write:
        write_section(Path(args.write), f"scale sizes={args.sizes} workers={args.workers}",
                      text)
    return 0


def render(cases, sizes: list[int], args) -> str:
    small, large = sizes[0], sizes[-1]
    lines = ["# Benchmarks", "",
             f"Reproduce: `make bench-scale` (`python bench/scale.py --sizes {args.sizes} "
             f"--workers {args.workers} --runs {args.runs}`). One date, Parquet, "
             f"`--no-html`; median of {args.runs}. {os.cpu_count()} cores here: the "
             "cluster's master, workers and driver share them.", "",
             "Seconds per stage at each size, then the marginal throughput per core "
             f"between {small:,} and {large:,} entries a side (Δrows / Δseconds / cores) "
             f"and the fixed part of the stage at {small:,}:", "",
             "| engine | cores | entries a side | wall | " + " | ".join(HEAVY)
             + " | the rest |",
             "|---|---:|---:|---:|" + "---:|" * (len(HEAVY) + 1)]
    for label, cores, runs in cases:
        for size in sizes:
            wall, stages = runs[size]
            rest = sum(s for n, (s, _) in stages.items() if n not in HEAVY and n != "total")
            lines.append(f"| {label} | {cores} | {size:,} | {wall:.1f} s | " + " | ".join(
                f"{stages[n][0]:.2f} s" if n in stages else "–" for n in HEAVY)
                + f" | {rest:.2f} s |")
        cells = []
        for name in HEAVY:
            (s0, r0), (s1, r1) = runs[small][1].get(name, (0, 0)), runs[large][1].get(
                name, (0, 0))
            if name == "classify":   # its rows are findings: per entry instead
                r0, r1 = 2 * small, 2 * large
            if s1 > s0 and r1 > r0:
                rate = (r1 - r0) / (s1 - s0) / cores
                fixed = max(s0 - r0 / rate / cores, 0.0)
                cells.append(f"{rate / 1e3:,.0f}k rows/s/core, fixed {fixed:.1f} s")
            else:
                cells.append("–")
        lines.append(f"| {label} | {cores} | marginal | | " + " | ".join(cells) + " | |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
