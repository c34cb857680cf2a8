"""The Markdown that bench/run.py writes into BENCHMARKS.md (the results table, the stages,
the targets), and the section writer every benchmark shares."""

from __future__ import annotations

import os
import platform
import sys
from datetime import date
from pathlib import Path


def fmt_s(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} s"


def fmt_gb(value: float | None) -> str:
    return "–" if value is None else f"{value:.2f} GB"


def ratio(a: float | None, b: float | None) -> str:
    return "–" if a is None or b is None or b == 0 else f"{a / b:.1f}×"


def render(rows: list, profiles, csv, args, config) -> str:
    import duckdb

    lines = ["# Benchmarks", ""]
    target = "make bench-100m" if args.memory_limit else "make bench"
    command = " ".join(["python bench/run.py", *sys.argv[1:]])
    lines += [
        f"Reproduce: `{target}`, which runs `{command}` "
        f"(`python bench/run.py --help` for the options).",
        "",
        f"Machine: {os.cpu_count()} cores, "
        f"{os.sysconf('SC_PAGE_SIZE') * os.sysconf('SC_PHYS_PAGES') / 2**30:.0f} GiB RAM, "
        f"{platform.system()} {platform.machine()}, Python {platform.python_version()}, "
        f"DuckDB {duckdb.__version__}. Measured {date.today().isoformat()}.",
        "",
        "One business date, Parquet, planted breaks of every kind. recon is `recon diff` end "
        "to end (read, match, findings, balances, state update into a fresh state "
        f"database, outputs with report.html), median of {args.runs} run(s), wall time and "
        "peak RSS of the process. (a) is DuckDB reading and hashing every compared column "
        "of both sides; (b) is a bare DuckDB full outer join on (account_id, serial_no) "
        "writing the rows whose compared columns differ to Parquet; (c) is datacompy's "
        "PolarsCompare on the same columns with decimal amounts (one run). Shapes: uniform "
        "(accounts = entries / 10), hot (the same, with 5% of the entries on 200 "
        "accounts). state is the state database recon leaves after the date, per million "
        "entries a side and against the input Parquet files of both sides.",
        "",
    ]
    if config is not None:
        lines += [f"recon ran with `[duckdb] memory_limit = \"{args.memory_limit}\"` and a "
                  "temp directory to spill to; (a) and (b) ran with the same limit.", ""]
    lines += [
        "| shape | entries a side | recon | peak RSS | (a) read | recon/(a) | (b) join "
        "| recon/(b) | (c) datacompy | its RSS | (c)/recon time | recon/(c) memory "
        "| state | state per M | state/input |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for r in rows:
        dc, state = r.datacompy, r.recon.state_bytes
        lines.append(
            f"| {r.shape} | {r.size:,} | {fmt_s(r.recon.median)} | "
            f"{fmt_gb(r.recon.peak_gb)} | {fmt_s(r.read.median)} | "
            f"{ratio(r.recon.median, r.read.median)} | {fmt_s(r.join.median)} | "
            f"{ratio(r.recon.median, r.join.median)} | "
            f"{fmt_s(dc.median) if dc.seconds else dc.note} | {fmt_gb(dc.peak_gb)} | "
            f"{ratio(dc.median, r.recon.median)} | {ratio(r.recon.peak_gb, dc.peak_gb)} | "
            f"{fmt_mb(state)} | {fmt_mb(state / (r.size / 1e6) if state else None)} | "
            f"{percent(state, r.input_bytes)} |")
    lines += ["", "Time per stage (recon --profile, median seconds):", ""]
    names = tuple(dict.fromkeys(n for stages in profiles.values() for n in stages
                                if n != "total"))
    lines += ["| shape | entries a side | " + " | ".join(names) + " |",
              "|---|---:|" + "---:|" * len(names)]
    for (shape, size), stages in profiles.items():
        lines.append(f"| {shape} | {size:,} | " + " | ".join(
            f"{stages[n]:.2f}" if n in stages else "–" for n in names) + " |")
    for shape in dict.fromkeys(r.shape for r in rows):
        mine = [r for r in rows if r.shape == shape and r.recon.median]
        if len(mine) > 1:
            base = mine[0]
            lines += ["", f"Scaling, {shape} (recon time per million entries a side): "
                      + ", ".join(
                          f"{r.size / 1e6:g}M: {r.recon.median / (r.size / 1e6):.2f} s/M "
                          f"({(r.recon.median / base.recon.median) / (r.size / base.size):.2f}"
                          f"× linear)" for r in mine) + "."]
    if csv is not None:
        size, recon, read, join = csv
        lines += ["", f"CSV, uniform, {size:,} entries a side: recon {fmt_s(recon.median)} "
                  f"(peak RSS {fmt_gb(recon.peak_gb)}); DuckDB's bare read_csv of the same "
                  f"files {fmt_s(read.median)} ({ratio(recon.median, read.median)}); its bare "
                  f"full outer join of them {fmt_s(join.median)} "
                  f"({ratio(recon.median, join.median)})."]
    lines += ["", "Targets (issue 30):", ""]
    for r in rows:
        if r.size == 10_000_000 and config is None:
            times = ratio(r.recon.median, r.join.median)
            lines.append(_target(f"{r.shape} 10M: recon ≤ 2.5× the bare join "
                                 f"({fmt_s(r.join.median)}): {times}",
                                 r.recon.median is not None and r.join.median is not None
                                 and r.recon.median <= 2.5 * r.join.median))
            tail = profiles.get((r.shape, r.size), {})
            if "outputs" in tail and "commit" in tail:
                spent = tail["outputs"] + tail["commit"]
                lines.append(_target(f"{r.shape} 10M: outputs and commit ≤ 0.5 s together: "
                                     f"{spent:.2f} s", spent <= 0.5))
            dc = r.datacompy
            if dc.seconds:
                lines.append(_target(f"{r.shape} 10M: ≥ 8× faster than datacompy: "
                                     f"{ratio(dc.median, r.recon.median)}",
                                     dc.median >= 8 * r.recon.median))
                lines.append(_target(f"{r.shape} 10M: < 1/3 of datacompy's peak memory: "
                                     f"{ratio(r.recon.peak_gb, dc.peak_gb)}",
                                     r.recon.peak_gb < dc.peak_gb / 3))
            else:
                lines.append(f"- {r.shape} 10M vs datacompy: {dc.note}")
        if r.shape == "hot" and r.recon.state_bytes:
            share = r.recon.state_bytes / r.input_bytes
            lines.append(_target(f"hot {r.size / 1e6:g}M: state growth ≤ 15% of the input: "
                                 f"{share:.1%}", share <= 0.15))
        if r.size >= 100_000_000 and config is not None:
            lines.append(_target(f"{r.size / 1e6:g}M with memory_limit {args.memory_limit}: "
                                 f"peak RSS {fmt_gb(r.recon.peak_gb)} ≤ 5 GB",
                                 r.recon.peak_gb is not None and r.recon.peak_gb <= 5))
            lines.append(_target(f"{r.size / 1e6:g}M with memory_limit {args.memory_limit}: "
                                 f"faster than the spilling bare join: "
                                 f"{ratio(r.recon.median, r.join.median)}",
                                 r.recon.median is not None and r.join.median is not None
                                 and r.recon.median < r.join.median))
    if csv is not None:
        size, recon, _, join = csv
        lines.append(_target(f"CSV {size / 1e6:g}M: recon ≤ 3× the bare CSV join: "
                             f"{ratio(recon.median, join.median)}",
                             recon.median is not None and join.median is not None
                             and recon.median <= 3 * join.median))
        lines.append(_target(f"CSV {size / 1e6:g}M: peak RSS ≤ 3 GB: {fmt_gb(recon.peak_gb)}",
                             recon.peak_gb is not None and recon.peak_gb <= 3))
    return "\n".join(lines) + "\n"


def fmt_mb(value: float | None) -> str:
    return "–" if value is None else f"{value / 2**20:,.1f} MB"


def percent(part: float | None, whole: float | None) -> str:
    return "–" if not part or not whole else f"{part / whole:.1%}"


def write_section(path: Path, key: str, text: str) -> None:
    """Put this run's results into `path` as the section `key`, replacing an earlier run
    of the same key (sizes, shapes, memory limit) and keeping the others."""
    begin, end = f"<!-- bench {key} -->", f"<!-- /bench {key} -->"
    block = f"{begin}\n{text.replace('# Benchmarks', '## ' + key, 1)}{end}\n"
    old = path.read_text(encoding="utf-8") if path.exists() else "# Benchmarks\n\n"
    if begin in old and end in old:
        head, rest = old.split(begin, 1)
        new = head + block + rest.split(end, 1)[1].lstrip("\n")
    else:
        new = old.rstrip("\n") + "\n\n" + block
    path.write_text(new, encoding="utf-8")


def _target(text: str, met: bool) -> str:
    return f"- {'met' if met else 'NOT met'}: {text}"

