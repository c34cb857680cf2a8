"""`make bench` (and `make bench-db`): recon reading both systems from PostgreSQL, then
from MariaDB, against the bare read of the same tables by the same driver.

    python bench/databases.py [--size 10000000] [--runs 3] [--data bench-data]
                              [--write BENCHMARKS.md]

The generated ledger of bench/run.py (uniform, one date, cached in --data) is loaded
into a throwaway server of each kind (tests/servers.py; started here on 127.0.0.1 and
stopped at the end), as tables v1_entries, v1_balances, v2_entries, v2_balances typed as
an account system keeps them (fixtures/databases.py). Then, per server, --runs times:

- recon: `recon diff` end to end with both systems read from the server
  ([sources.vN] url, entries_table, balances_table), each run on a fresh state;
- bare read: the same driver (ADBC for PostgreSQL, connectorx for MariaDB) streaming
  the same four SELECTs (WHERE biz_date = the date) into DuckDB, counting the rows: what
  reading the data costs before any checking, ordering or matching.

The server runs on the same 2 cores as recon, as it would not in production.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.report import write_section  # noqa: E402
from bench.run import DAY, PYTHON, Measure, dataset, run_child  # noqa: E402
from fixtures import databases  # noqa: E402
from tests import servers  # noqa: E402

PASSWORD_ENV = "RECON_BENCH_PASSWORD"

BARE = """
import os, sys
import duckdb
kind, url, day = sys.argv[1:4]
con = duckdb.connect()
total = 0
for table in ("v1_entries", "v1_balances", "v2_entries", "v2_balances"):
    query = f"SELECT * FROM {table} WHERE biz_date = DATE '{day}'"
    if kind == "postgresql":
        import adbc_driver_postgresql.dbapi as pg
        with pg.connect(url) as conn, conn.cursor() as cur:
            cur.execute(query)
            stream = cur.fetch_record_batch()
            total += con.execute("SELECT count(*) FROM stream").fetchone()[0]
    else:
        import connectorx as cx
        stream = cx.read_sql(url, query, return_type="arrow_stream", batch_size=65536)
        total += con.execute("SELECT count(*) FROM stream").fetchone()[0]
print(total)
"""


def bench_server(server: servers.Server, folder: Path, work: Path, runs: int
                 ) -> tuple[Measure, Measure, float]:
    started = time.perf_counter()
    for system in ("v1", "v2"):
        databases.load(folder / system, server.url(), servers.PASSWORD, system)
    load_seconds = time.perf_counter() - started
    print(f"  loaded in {load_seconds:.0f} s", file=sys.stderr)
    config = work / f"{server.kind}.toml"
    config.write_text("".join(
        f'[sources.{s}]\nurl = "{server.url()}"\npassword_env = "{PASSWORD_ENV}"\n'
        f'entries_table = "{s}_entries"\nbalances_table = "{s}_balances"\n'
        for s in ("v1", "v2")))
    recon, bare = Measure(), Measure()
    env = {PASSWORD_ENV: servers.PASSWORD}
    for i in range(runs):
        state = work / f"{server.kind}-{i}"
        state.mkdir(parents=True, exist_ok=True)
        seconds, rss, code, err = run_child(
            [str(ROOT / ".venv" / "bin" / "recon"), "diff", "--date", DAY.isoformat(),
             "--config", str(config), "--out", str(state / "out"),
             "--db", str(state / "recon.duckdb"), "--fail-on", "never"], env=env)
        if code != 0:
            sys.exit(f"bench: recon from {server.kind} failed (exit {code}): {err[-500:]}")
        recon.seconds.append(seconds)
        recon.rss_kb.append(rss)
        print(f"  recon run {i + 1}: {seconds:.2f} s", file=sys.stderr)
        seconds, rss, code, err = run_child(
            [str(PYTHON), "-c", BARE, server.kind, server.url(password=True), DAY.isoformat()])
        if code != 0:
            sys.exit(f"bench: bare read from {server.kind} failed: {err[-500:]}")
        bare.seconds.append(seconds)
        bare.rss_kb.append(rss)
        print(f"  bare read {i + 1}: {seconds:.2f} s", file=sys.stderr)
    return recon, bare, load_seconds


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--size", type=int, default=10_000_000, help="entries per side")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--data", default=str(ROOT / "bench-data"))
    parser.add_argument("--write", default=None)
    args = parser.parse_args(argv)
    folder = dataset(Path(args.data), args.size)
    work = Path(args.data) / "work" / f"db-{args.size}"
    work.mkdir(parents=True, exist_ok=True)
    results = {}
    for kind, start in (("PostgreSQL", servers.start_postgres),
                        ("MariaDB", servers.start_mariadb)):
        print(f"{kind}: {args.size:,} entries a side", file=sys.stderr)
        server = start()
        try:
            results[kind] = bench_server(server, folder, work, args.runs)
        finally:
            server.stop()
    lines = ["# Benchmarks", "",
             f"Reproduce: `make bench-db`, which runs `python bench/databases.py "
             f"{' '.join(sys.argv[1:])}`. {args.size:,} entries a side, one date, both "
             f"systems read from the same server (on the same 2 cores as recon); medians "
             f"of {args.runs} runs.", "",
             "| source | driver | load (once) | bare read | recon | recon / bare read | "
             "recon peak RSS |", "|---|---|---|---|---|---|---|"]
    drivers = {"PostgreSQL": "ADBC", "MariaDB": "connectorx"}
    for kind, (recon, bare, load) in results.items():
        lines.append(f"| {kind} | {drivers[kind]} | {load:.0f} s | {bare.median:.2f} s | "
                     f"{recon.median:.2f} s | {recon.median / bare.median:.1f}× | "
                     f"{recon.peak_gb:.2f} GB |")
    text = "\n".join(lines) + "\n"
    print(text)
    if args.write:
        write_section(Path(args.write), f"sizes=db-{args.size} shapes=databases csv=0 "
                      f"memory_limit=default", text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
