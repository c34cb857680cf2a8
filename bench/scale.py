"""`make bench-scale`: per-core throughput of each stage, on DuckDB and on a Spark
standalone cluster on this machine, the figures docs/scale.md plans 1B entries from.

    python bench/scale.py [--size 1000000] [--workers 2] [--runs 1] [--write BENCHMARKS.md]

The same generated ledger (one date, Parquet, `--size` entries a side) is reconciled by
`recon diff --profile`: by the DuckDB engine with 1 thread and with `--workers` threads,
and by the Spark engine on a standalone cluster of `--workers` workers of one core each
(fixtures/spark_cluster.py). Each stage's rows per second per core is its rows over its
seconds over the cores it had. Medians of --runs.
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
from bench.run import DAY, ROOT, dataset, run_child, write_section
from fixtures import spark_cluster

STAGE = re.compile(r"^  ([a-z][a-z0-9 ]*?)\s+([\d.]+)\s+[\d.]+%\s+([\d,]*)", re.M)


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
    parser.add_argument("--size", type=int, default=1_000_000)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--runs", type=int, default=1)
    parser.add_argument("--data", default=str(ROOT / "bench-data"))
    parser.add_argument("--write", default=None)
    args = parser.parse_args(argv)
    folder = dataset(Path(args.data), args.size)
    work = Path(tempfile.mkdtemp(prefix="recon-scale-"))
    cases: list[tuple[str, int, float, dict]] = []
    for threads in sorted({1, args.workers}):
        config = work / f"duckdb-{threads}.toml"
        config.write_text(f"[duckdb]\nthreads = {threads}\n")
        print(f"duckdb, {threads} thread(s)", file=sys.stderr)
        wall, stages = profile(folder, work / f"duckdb-{threads}", config, args.runs)
        cases.append((f"DuckDB, {threads} thread(s)", threads, wall, stages))
    print(f"spark cluster, {args.workers} worker(s) of 1 core", file=sys.stderr)
    cluster = spark_cluster.start(work / "cluster", workers=args.workers)
    try:
        config = work / "spark.toml"
        config.write_text(
            f'engine = "spark"\n[spark]\nmaster = "{cluster.master}"\n'
            f'shuffle_partitions = {4 * args.workers}\nwork_dir = "{work / "spark-work"}"\n'
            f'[spark.conf]\n"spark.driver.host" = "127.0.0.1"\n'
            f'"spark.driver.bindAddress" = "127.0.0.1"\n"spark.executor.cores" = "1"\n'
            f'"spark.executor.memory" = "1g"\n"spark.cores.max" = "{args.workers}"\n')
        wall, stages = profile(folder, work / "spark", config, args.runs)
        cases.append((f"Spark cluster, {args.workers} × 1 core", args.workers, wall, stages))
    finally:
        cluster.stop()
    text = render(cases, args)
    print(text)
    if args.write:
        write_section(Path(args.write), f"scale size={args.size} workers={args.workers}",
                      text)
    return 0


def render(cases, args) -> str:
    names = list(dict.fromkeys(n for *_, stages in cases for n in stages if n != "total"))
    lines = ["# Benchmarks", "",
             f"Reproduce: `make bench-scale` (`python bench/scale.py --size {args.size} "
             f"--workers {args.workers} --runs {args.runs}`). One date, {args.size:,} entries "
             f"a side, Parquet; each stage's seconds (median of {args.runs}) and its rows "
             f"per second per core (rows / seconds / cores). {os.cpu_count()} cores here: "
             "the cluster's master, workers and driver share them.", "",
             "| engine | cores | wall | " + " | ".join(names) + " |",
             "|---|---:|---:|" + "---:|" * len(names)]
    for label, cores, wall, stages in cases:
        cells = []
        for name in names:
            if name not in stages:
                cells.append("–")
                continue
            seconds, rows = stages[name]
            rate = f" ({rows / seconds / cores / 1e3:,.0f}k/s/core)" if rows and seconds else ""
            cells.append(f"{seconds:.2f} s{rate}")
        lines.append(f"| {label} | {cores} | {wall:.1f} s | " + " | ".join(cells) + " |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
