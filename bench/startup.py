"""`make bench-startup` (part of `make bench`): what a command costs before it does
anything, and `recon status` (what cron runs every ten minutes) on a small state.

    python bench/startup.py [--runs 9] [--data bench-data] [--write BENCHMARKS.md]

Each command is run --runs times as a subprocess; medians. The floor is the bare
interpreter (`python -c pass`) in the same run. The state for `recon status` is a
two-date demo ledger (generated once into --data) reconciled with a cut-over file, so
that status also counts the cohorts' clean dates.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402
from bench.run import PYTHON, run_child  # noqa: E402

RECON = ROOT / ".venv" / "bin" / "recon"
TARGET = 0.3   # seconds (issue 30)


def median(argv: list[str], runs: int) -> float:
    times = []
    for _ in range(runs):
        seconds, _, code, err = run_child(argv)
        if code not in (0, 1):
            sys.exit(f"bench: {' '.join(argv[:3])} failed (exit {code}): {err[-300:]}")
        times.append(seconds)
    return statistics.median(times)


def state(data_root: Path) -> tuple[Path, Path]:
    """A small reconciled state with a pilot cohort: (db, config)."""
    folder = data_root / "startup"
    db, config = folder / "recon.duckdb", folder / "recon.toml"
    if db.exists():
        return db, config
    shutil.rmtree(folder, ignore_errors=True)
    _, _, code, err = run_child([
        str(PYTHON), "-m", "fixtures.generate", str(folder / "data"), "--days", "2",
        "--entries", "20000", "--accounts", "400", "--breaks", "3", "--pilot", "2"])
    if code != 0:
        sys.exit(f"bench: generating failed: {err[-300:]}")
    config.write_text('[cutover]\naccounts = "data/cutover.csv"\n')
    run_child([str(RECON), "diff", "--from", "2026-11-01", "--to", "2026-11-02",
               "--v1", str(folder / "data" / "v1"), "--v2", str(folder / "data" / "v2"),
               "--out", str(folder / "out"), "--db", str(db), "--config", str(config),
               "--no-html"])
    return db, config


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument("--data", default=str(ROOT / "bench-data"))
    parser.add_argument("--write", default=None)
    args = parser.parse_args(argv)
    db, config = state(Path(args.data))
    floor = median([str(PYTHON), "-c", "pass"], args.runs)
    rows = [("`recon --help`", median([str(RECON), "--help"], args.runs)),
            ("`recon status` (two dates, a pilot cohort)",
             median([str(RECON), "status", "--db", str(db), "--config", str(config),
                     "--today", "2026-11-03"], args.runs))]
    lines = ["# Benchmarks", "",
             f"Reproduce: `make bench-startup`, which runs `python bench/startup.py "
             f"{' '.join(sys.argv[1:])}`. Medians of {args.runs} runs; the floor is the "
             f"bare interpreter in the same run ({floor:.3f} s).", "",
             "| command | wall | target |", "|---|---:|---|"]
    for name, seconds in rows:
        lines.append(f"| {name} | {seconds:.3f} s | {'met' if seconds <= TARGET else 'NOT met'}"
                     f": ≤ {TARGET} s |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        write_section(Path(args.write), "startup", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
