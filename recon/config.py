"""The config file (TOML), read once into a frozen `Config`.

Example (every key optional)::

    engine = "duckdb"             # or "spark": reading, matching, classifying on Spark SQL

    [sources.v1.columns]          # contract column = source column
    account_id = "acct_no"

    [sources.v2]                  # spark engine: read metastore tables, not files
    table = "ledger_v2"           # its tables ledger_v2.entries and ledger_v2.balances
    entries_table = "ods.acct2_entries"   # or name either table on its own

    [sources.v1]                  # or read a system from its database (duckdb engine)
    url = "postgresql://recon_ro@ledger1.db:5432/ledger"    # or mysql://…; no password
    password_env = "RECON_V1_PASSWORD"   # the environment variable holding it
    entries_table = "acct.entries"       # a table with a biz_date column, or
    balances_query = "SELECT * FROM acct.daily_balance WHERE snap_date = :biz_date"

    [compare]
    fields = ["currency", "biz_type", "biz_order_no", "legal_entity", "subject_code"]
    ignore = ["biz_type"]

    [severity]
    p1_amount = "10000.00"        # |amount_impact| at or above this is P1
    p2_amount = "100.00"          # ... at or above this is P2

    [duckdb]
    threads = 2
    memory_limit = "4GB"
    temp_directory = "/var/tmp/recon"

    [match]
    timing_window_days = 1        # a posting may land this many dates later on the other
                                  # side (a cut-off); 0: no cross-date match
    netting_max_entries = 20      # a business order's unmatched entries netted as one
                                  # group at most (NETTING_DIFFERENCE); 0: no netting

    [cutover]
    accounts = "cutover.csv"      # account_id, cutover_date[, cohort]: from that date on,
                                  # v2 is the account's record (relative to this file)

    [readiness]
    days = 3                      # clean dates a cohort needs before the next wave

    [nightly]
    catch_up_days = 7

    [status]
    due_hour = 6                  # a date is due (recon status: behind) at this hour of
                                  # the next day, Asia/Shanghai

    [metrics]
    textfile = "/var/lib/node_exporter/textfile/recon.prom"   # Prometheus metrics, rewritten
                                  # when each run starts and ends (node_exporter reads it)

    [lineage]                     # OpenLineage run events (recon/ops/lineage.py): one of
    url = "http://marquez:5000"   # an HTTP endpoint (POST api/v1/lineage), or
    file = "lineage.jsonl"        # a JSON-lines file (relative to the config file)
    timeout = 5                   # seconds an endpoint may take; a failure never fails a run

    [log]
    format = "text"               # or "json": one JSON object per line (recon/ops/logs.py)

    [outputs]
    html = true                   # report.html per date (false: skip it, e.g. long backfills)

    [state]
    keep_evidence_days = 400      # a date's evidence, rejects and kept entries are dropped
                                  # this many days after it (its findings, balances,
                                  # aggregates and worklist history stay)
    keep_entries = "evidence"     # the entries findings name (default), or "all": every
                                  # valid entry as well, a full copy of the inputs

    [spark]
    master = "local[2]"           # e.g. "yarn" or "k8s://..." under spark-submit
    work_dir = "hdfs:///tmp/recon" # where Spark keeps each step's result (default: a local
                                  # temporary directory; on a cluster, a path every
                                  # executor can reach)
    shuffle_partitions = 4
    [spark.conf]                  # any other Spark setting, e.g. a metastore
    "spark.sql.catalogImplementation" = "hive"
    "spark.hadoop.hive.metastore.uris" = "thrift://metastore:9083"
"""

from __future__ import annotations

import dataclasses
import tomllib
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from types import MappingProxyType
from typing import Any
from urllib.parse import urlsplit

from recon import cutover
from recon import tomlcheck as check
from recon.config_sources import parse_sources, table_names
from recon.contract import (
    COMPARABLE_FIELDS,
    DEFAULT_COMPARE_FIELDS,
    SYSTEMS,
)
from recon.cutover import Cutover
from recon.errors import ConfigError

ENGINES = ("duckdb", "spark")   # where a date's heavy work runs (recon/engines/)
# What the state database keeps of the entries (docs/interface.md §4): the evidence (the entries
# that findings name), or every valid entry as well.
KEEP_ENTRIES = ("evidence", "all")
LOG_FORMATS = ("text", "json")


@dataclass(frozen=True)
class Config:
    column_maps: MappingProxyType = field(
        default_factory=lambda: MappingProxyType({s: MappingProxyType({}) for s in SYSTEMS})
    )
    compare_fields: tuple[str, ...] = DEFAULT_COMPARE_FIELDS
    p1_amount: Decimal = Decimal("10000.00")
    p2_amount: Decimal = Decimal("100.00")
    threads: int | None = None
    memory_limit: str | None = None
    temp_directory: str | None = None
    catch_up_days: int = 7
    timing_window_days: int = 1      # [match]: how many dates back a posting may arrive
    netting_max_entries: int = 20    # [match]: the largest group the netting match takes
    html: bool = True          # write report.html for each date
    due_hour: int = 6          # [status]: a date is due at this hour of the next day
    metrics_textfile: str | None = None   # [metrics] textfile: Prometheus text, per run
    keep_entries: str = "evidence"   # what the state keeps of the entries: KEEP_ENTRIES
    keep_evidence_days: int = 400    # [state]: how long a date's evidence and rejects stay
    engine: str = "duckdb"     # where a date's heavy work runs: duckdb | spark
    spark_master: str = "local[2]"
    spark_shuffle_partitions: int = 4
    spark_work_dir: str | None = None
    spark_conf: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    # {system: {"entries": table, "balances": table}}: metastore tables to read (spark),
    # or a database's tables when the system has a url
    tables: MappingProxyType = field(
        default_factory=lambda: MappingProxyType({s: MappingProxyType({}) for s in SYSTEMS})
    )
    # {system: DatabaseConfig}: the systems read from their database (sources/database.py)
    databases: MappingProxyType = field(default_factory=lambda: MappingProxyType({}))
    source: str | None = None  # the file this was read from, for messages
    cutover: Cutover | None = None   # [cutover] accounts: who is cut over to v2, when
    readiness_days: int = 3          # [readiness] days: clean dates before the next wave
    lineage_url: str | None = None   # [lineage] url: OpenLineage events over HTTP
    lineage_file: str | None = None  # [lineage] file: OpenLineage events, one per line
    lineage_timeout: float = 5.0     # [lineage] timeout, seconds
    log_format: str = "text"         # [log] format: text | json (recon/ops/logs.py)

    def source_column(self, system: str, column: str) -> str:
        """The column name in `system`'s files that holds contract column `column`."""
        return self.column_maps[system].get(column, column)

    def source_table(self, system: str, dataset: str) -> str | None:
        """The metastore table holding `system`'s `dataset`, if it is read from one."""
        if system in self.databases:
            return None
        return self.tables[system].get(dataset)


def with_options(config: Config, **options) -> Config:
    """The config with the command-line options that were given (not None) in place."""
    changes = {name: value for name, value in options.items() if value is not None}
    return dataclasses.replace(config, **changes) if changes else config


def with_tables(config: Config, **databases: str | None) -> MappingProxyType | None:
    """The config's source tables with each system given --vN-table DATABASE reading
    DATABASE.entries and DATABASE.balances; None when no such option was given."""
    if not any(databases.values()):
        return None
    return MappingProxyType({
        system: MappingProxyType(table_names(databases[system]))
        if databases.get(system) else config.tables[system]
        for system in config.tables
    })


def load_config(path: str | Path | None) -> Config:
    if path is None:
        return Config()
    path = Path(path)
    where = str(path)
    try:
        raw = tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError("config file not found", where) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"cannot read config file: {exc}", where) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"not valid TOML: {exc}", where) from None
    return parse_config(raw, where)


def parse_config(raw: dict[str, Any], where: str = "config") -> Config:
    known = {"sources", "compare", "severity", "duckdb", "nightly", "outputs", "state",
             "engine", "spark", "match", "status", "metrics", "cutover", "readiness",
             "lineage", "log"}
    check.no_unknown(raw, known, "", where)

    maps, tables, databases = parse_sources(check.table(raw, "sources", where), where)

    compare = check.table(raw, "compare", where)
    check.no_unknown(compare, {"fields", "ignore"}, "compare.", where)
    fields = check.names(compare.get("fields", list(DEFAULT_COMPARE_FIELDS)), "compare.fields",
                         where)
    ignore = set(check.names(compare.get("ignore", []), "compare.ignore", where))
    for name in [*fields, *ignore]:
        if name not in COMPARABLE_FIELDS:
            raise ConfigError(
                f"compare: '{name}' is not a comparable field "
                f"(choose from {', '.join(COMPARABLE_FIELDS)})",
                where,
            )
    compare_fields = tuple(dict.fromkeys(f for f in fields if f not in ignore))

    severity = check.table(raw, "severity", where)
    check.no_unknown(severity, {"p1_amount", "p2_amount"}, "severity.", where)
    p1 = check.decimal(severity.get("p1_amount", "10000.00"), "severity.p1_amount", where)
    p2 = check.decimal(severity.get("p2_amount", "100.00"), "severity.p2_amount", where)
    if p2 > p1:
        raise ConfigError("severity.p2_amount must not exceed severity.p1_amount", where)

    duck = check.table(raw, "duckdb", where)
    check.no_unknown(duck, {"threads", "memory_limit", "temp_directory"}, "duckdb.", where)
    threads = duck.get("threads")
    if threads is not None:
        threads = check.whole(threads, "duckdb.threads", 1, where)

    nightly = check.table(raw, "nightly", where)
    check.no_unknown(nightly, {"catch_up_days"}, "nightly.", where)
    catch_up = check.whole(nightly.get("catch_up_days", 7), "nightly.catch_up_days", 0, where)

    match = check.table(raw, "match", where)
    check.no_unknown(match, {"timing_window_days", "netting_max_entries"}, "match.", where)
    window = check.whole(match.get("timing_window_days", 1), "match.timing_window_days", 0, where)
    netting = check.whole(match.get("netting_max_entries", 20), "match.netting_max_entries",
                          0, where)

    cut = check.table(raw, "cutover", where)
    check.no_unknown(cut, {"accounts"}, "cutover.", where)
    accounts = check.opt_str(cut, "accounts", where, "cutover.")
    readiness = check.table(raw, "readiness", where)
    check.no_unknown(readiness, {"days"}, "readiness.", where)
    ready_days = check.whole(readiness.get("days", 3), "readiness.days", 1, where)

    status = check.table(raw, "status", where)
    check.no_unknown(status, {"due_hour"}, "status.", where)
    due_hour = check.whole(status.get("due_hour", 6), "status.due_hour", 0, where)
    if due_hour > 23:
        raise ConfigError("status.due_hour must be an hour of the day, 0 to 23", where)
    metrics = check.table(raw, "metrics", where)
    check.no_unknown(metrics, {"textfile"}, "metrics.", where)

    lineage = _lineage(check.table(raw, "lineage", where), where)
    log = check.table(raw, "log", where)
    check.no_unknown(log, {"format"}, "log.", where)
    log_format = log.get("format", "text")
    if log_format not in LOG_FORMATS:
        raise ConfigError(f"log.format must be one of {', '.join(LOG_FORMATS)}", where)

    out = check.table(raw, "outputs", where)
    check.no_unknown(out, {"html"}, "outputs.", where)
    html = out.get("html", True)
    if not isinstance(html, bool):
        raise ConfigError("outputs.html must be true or false", where)

    state = check.table(raw, "state", where)
    check.no_unknown(state, {"keep_entries", "keep_evidence_days"}, "state.", where)
    keep_days = check.whole(state.get("keep_evidence_days", 400), "state.keep_evidence_days",
                            1, where)
    keep_entries = state.get("keep_entries", "evidence")
    if keep_entries not in KEEP_ENTRIES:
        raise ConfigError(f"state.keep_entries must be one of {', '.join(KEEP_ENTRIES)}", where)

    engine = raw.get("engine", "duckdb")
    if engine not in ENGINES:
        raise ConfigError(f"engine must be one of {', '.join(ENGINES)}", where)
    spark = check.table(raw, "spark", where)
    check.no_unknown(spark, {"master", "shuffle_partitions", "work_dir", "conf"}, "spark.", where)
    spark_conf = check.table(spark, "conf", where, "spark.conf")
    for key, value in spark_conf.items():
        if not isinstance(value, str | int | bool):
            raise ConfigError(f"spark.conf.{key} must be a string, number or boolean", where)
    partitions = check.whole(spark.get("shuffle_partitions", 4), "spark.shuffle_partitions",
                             1, where)

    return Config(
        column_maps=MappingProxyType(maps),
        compare_fields=compare_fields,
        p1_amount=p1,
        p2_amount=p2,
        threads=threads,
        memory_limit=check.opt_str(duck, "memory_limit", where, "duckdb."),
        temp_directory=check.opt_str(duck, "temp_directory", where, "duckdb."),
        catch_up_days=catch_up,
        timing_window_days=window, netting_max_entries=netting,
        html=html,
        due_hour=due_hour,
        metrics_textfile=check.opt_str(metrics, "textfile", where, "metrics."),
        keep_entries=keep_entries,
        keep_evidence_days=keep_days,
        engine=engine,
        spark_master=check.opt_str(spark, "master", where, "spark.") or "local[2]",
        spark_shuffle_partitions=partitions,
        spark_work_dir=check.opt_str(spark, "work_dir", where, "spark."),
        spark_conf=MappingProxyType({k: str(v).lower() if isinstance(v, bool) else str(v)
                                     for k, v in spark_conf.items()}),
        tables=MappingProxyType(tables),
        databases=MappingProxyType(databases),
        source=where,
        cutover=cutover.load(accounts, where) if accounts else None,
        readiness_days=ready_days,
        **lineage,
        log_format=log_format,
    )


def _lineage(lineage: dict, where: str) -> dict:
    """[lineage]: an HTTP endpoint or a file (relative to the config file), not both."""
    check.no_unknown(lineage, {"url", "file", "timeout"}, "lineage.", where)
    url = check.opt_str(lineage, "url", where, "lineage.")
    name = check.opt_str(lineage, "file", where, "lineage.")
    if url and name:
        raise ConfigError("lineage: give url or file, not both", where)
    if url and urlsplit(url).scheme not in ("http", "https"):
        raise ConfigError(f"lineage.url: '{url}' is not an http(s) URL", where)
    timeout = lineage.get("timeout", 5)
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or timeout <= 0:
        raise ConfigError("lineage.timeout must be a number of seconds above 0", where)
    path = None
    if name:
        path = Path(name) if Path(name).is_absolute() else Path(where).resolve().parent / name
    return {"lineage_url": url, "lineage_file": str(path) if path else None,
            "lineage_timeout": float(timeout)}
