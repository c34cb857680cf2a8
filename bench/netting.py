"""`make bench-netting` (part of `make bench`): what the netting match costs (issue 28).

    python bench/netting.py [--size 10000000] [--runs 3] [--data bench-data]
                            [--write BENCHMARKS.md]

`recon diff` of the generated ledger of bench/run.py (uniform, one date, --size entries a
side) with the netting match on ([match] netting_max_entries = 20, the default) and off
(0), the runs interleaved (on, off, on, off, ...) so that both see the same machine;
each run on a fresh state. The match reads only the entries the matches before it left
unmatched, so its cost should not show beside the run's.
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
from bench.run import DAY, dataset, run_child  # noqa: E402

RECON = ROOT / ".venv" / "bin" / "recon"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000_000, help="entries a side")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", default=str(ROOT / "bench-data"))
    parser.add_argument("--write", default=None)
    args = parser.parse_args(argv)
    data = dataset(Path(args.data), args.size)
    work = Path(args.data) / "work" / f"netting-{args.size}"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    seconds: dict[int, list[float]] = {20: [], 0: []}
    for i in range(args.runs):
        for bound in (20, 0):
            config = work / f"netting-{bound}.toml"
            config.write_text(f"[match]\nnetting_max_entries = {bound}\n")
            state = work / f"state-{bound}-{i}"
            took, _, code, err = run_child([
                str(RECON), "diff", "--date", DAY.isoformat(), "--v1", str(data / "v1"),
                "--v2", str(data / "v2"), "--out", str(state / "out"),
                "--db", str(state / "recon.duckdb"), "--config", str(config),
                "--fail-on", "never"])
            if code != 0:
                sys.exit(f"bench: recon diff failed (exit {code}): {err.strip()[-500:]}")
            seconds[bound].append(took)
            print(f"  netting_max_entries = {bound:>2}: {took:.2f} s", file=sys.stderr)
            shutil.rmtree(state, ignore_errors=True)
    on, off = statistics.median(seconds[20]), statistics.median(seconds[0])
    text = "\n".join([
        "# Benchmarks", "",
        f"Reproduce: `make bench-netting`, which runs `python bench/netting.py "
        f"{' '.join(sys.argv[1:])}`. {args.size:,} entries a side, one date; medians of "
        f"{args.runs} interleaved runs, each on a fresh state.", "",
        "| netting match | recon diff | against off |", "|---|---|---|",
        f"| on (`netting_max_entries = 20`) | {on:.2f} s | {on / off - 1:+.1%} |",
        f"| off (`netting_max_entries = 0`) | {off:.2f} s | |", "",
        f"- {'met' if on <= 1.03 * off else 'NOT met'}: the netting match costs at most 3% "
        f"of the run ({on / off - 1:+.1%})", ""])
    print(text)
    if args.write:
        write_section(Path(args.write), f"netting size={args.size}", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
