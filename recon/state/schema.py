"""The state's tables, declared once: their columns and types (DuckDB's), from which the
catalog's SQLite tables, the typed reads of them and the date files' empty views are all
made (docs/state.md).

Two kinds of table:

- DATE_TABLES: the rows of one business date (findings, evidence, balances, ...),
  stored as one Parquet file each in the date's folder, replaced whole by a rerun;
- CATALOG_TABLES: the small, transactional part (the run log, the worklist and its
  history, the timing matches, which run's files are each date's): rows in the SQLite
  catalog, updated in place.

Money is DECIMAL(18,2) (sums DECIMAL(38,2)). In SQLite, which has no exact decimal,
money, dates and times are TEXT, read back through a CAST to these types.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

# 1-5: one DuckDB file (schema_v1..v5); 6: a folder, catalog + files; 7: findings and
# worklist items carry `record` (cut-over); 8: runs count `lineage_errors`
STATE_FORMAT = 8


@dataclass(frozen=True)
class Table:
    name: str
    columns: tuple[tuple[str, str], ...]     # (name, DuckDB type)
    key: tuple[str, ...] = ()                # primary key (catalog tables)
    indexes: tuple[tuple[str, ...], ...] = ()

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(name for name, _ in self.columns)


def _columns(text: str) -> tuple[tuple[str, str], ...]:
    """'name TYPE, name DECIMAL(18,2), ...' as (name, type) pairs."""
    parts = re.split(r",(?![^()]*\))", text)
    return tuple((name, kind.strip()) for name, kind in
                 (part.strip().split(" ", 1) for part in parts if part.strip()))


_ENTRY = """biz_date DATE, system VARCHAR, entry_id BIGINT, serial_no VARCHAR,
    account_id VARCHAR, direction VARCHAR, amount DECIMAL(18,2), currency VARCHAR,
    biz_type VARCHAR, biz_order_no VARCHAR, posted_at TIMESTAMP, legal_entity VARCHAR,
    subject_code VARCHAR, balance_after DECIMAL(18,2), copy_no INTEGER, copies INTEGER"""


def _table(name: str, text: str, **options) -> Table:
    return Table(name, _columns(text), **options)


DATE_TABLES = (
    _table("findings", """biz_date DATE, run_id VARCHAR, item_id VARCHAR, kind VARCHAR,
        scope VARCHAR, severity VARCHAR, system VARCHAR, account_id VARCHAR,
        currency VARCHAR, v1_serial_no VARCHAR, v2_serial_no VARCHAR, copy_no INTEGER,
        field VARCHAR, v1_value VARCHAR, v2_value VARCHAR, amount_impact DECIMAL(18,2),
        residual DECIMAL(18,2), fix_side VARCHAR, suggested_action VARCHAR,
        biz_order_no VARCHAR, record VARCHAR"""),
    _table("evidence", _ENTRY + ", pair_no BIGINT, source_file VARCHAR, source_row BIGINT"),
    _table("entries", _ENTRY + ", source_file VARCHAR, source_row BIGINT"),
    _table("balances", """biz_date DATE, system VARCHAR, account_id VARCHAR,
        opening_balance DECIMAL(18,2), closing_balance DECIMAL(18,2), currency VARCHAR,
        source_file VARCHAR, source_row BIGINT"""),
    _table("rejects", """biz_date DATE, system VARCHAR, dataset VARCHAR,
        source_file VARCHAR, source_row BIGINT, reason VARCHAR, raw VARCHAR"""),
    _table("daily_accounts", """biz_date DATE, system VARCHAR, account_id VARCHAR,
        legal_entity VARCHAR, entries BIGINT, net DECIMAL(38,2)"""),
    _table("daily_flows", """biz_date DATE, system VARCHAR, legal_entity VARCHAR,
        biz_type VARCHAR, direction VARCHAR, currency VARCHAR, entries BIGINT,
        amount DECIMAL(38,2)"""),
)
# What retention drops of a date older than [state] keep_evidence_days.
EVIDENCE_TABLES = ("evidence", "rejects", "entries")

CATALOG_TABLES = (
    _table("meta", "key VARCHAR, value VARCHAR", key=("key",)),
    _table("runs", """run_id VARCHAR, biz_date DATE, command VARCHAR,
        started_at TIMESTAMP, finished_at TIMESTAMP, status VARCHAR, exit_code INTEGER,
        v1_dir VARCHAR, v2_dir VARCHAR, inputs VARCHAR, counts VARCHAR, message VARCHAR,
        out_dir VARCHAR, published_at TIMESTAMP, fingerprint VARCHAR, lineage_errors INTEGER""",
           key=("run_id",), indexes=(("biz_date",),)),
    # which run's folder holds each date's files, and which of its tables it still has
    _table("dates", "biz_date DATE, run_id VARCHAR, stored VARCHAR",
           key=("biz_date",)),
    _table("worklist", """item_id VARCHAR, kind VARCHAR, scope VARCHAR, biz_date DATE,
        severity VARCHAR, status VARCHAR, system VARCHAR, account_id VARCHAR,
        currency VARCHAR, v1_serial_no VARCHAR, v2_serial_no VARCHAR, field VARCHAR,
        v1_value VARCHAR, v2_value VARCHAR, amount_impact DECIMAL(18,2),
        residual DECIMAL(18,2), fix_side VARCHAR, suggested_action VARCHAR,
        first_seen DATE, last_seen DATE, last_run_id VARCHAR, updated_at TIMESTAMP,
        accepted_by VARCHAR, accepted_reason VARCHAR, accepted_at TIMESTAMP,
        accepted_impact DECIMAL(18,2), resolution VARCHAR, resolved_on DATE,
        record VARCHAR""",
           key=("item_id",), indexes=(("status",), ("biz_date",))),
    _table("worklist_events", """item_id VARCHAR, changed_at TIMESTAMP, run_id VARCHAR,
        biz_date DATE, from_status VARCHAR, to_status VARCHAR, note VARCHAR""",
           indexes=(("item_id",), ("run_id",))),
    _table("timing_matches", """biz_date DATE, item_id VARCHAR, earlier_date DATE,
        earlier_item_id VARCHAR, run_id VARCHAR""",
           indexes=(("biz_date",), ("earlier_item_id",))),
    # the month-end checks as they were last made: what `recon status` says of a month
    _table("month_end", "month VARCHAR, verdict VARCHAR, reasons VARCHAR, checked_at TIMESTAMP",
           key=("month",)),
)
TABLES = {table.name: table for table in (*DATE_TABLES, *CATALOG_TABLES)}


def sqlite_type(kind: str) -> str:
    """The SQLite column type: INTEGER for whole numbers, TEXT for all else (money,
    dates and times as their exact text)."""
    return "INTEGER" if kind in ("INTEGER", "BIGINT", "BOOLEAN") else "TEXT"


def typed(table: Table, source: str) -> str:
    """A SELECT of `source`'s columns CAST to `table`'s types, by name."""
    casts = ", ".join(f'CAST("{name}" AS {kind}) AS "{name}"' for name, kind in table.columns)
    return f"SELECT {casts} FROM {source}"


def empty(table: Table) -> str:
    """A SELECT of no rows with `table`'s columns and types."""
    casts = ", ".join(f'CAST(NULL AS {kind}) AS "{name}"' for name, kind in table.columns)
    return f"SELECT {casts} WHERE 1 = 0"
