"""The worklist across runs: listing it with filters, and a person accepting an item.

The lifecycle itself (new → open → resolved, accepted → open when its impact changes)
is applied by each run in recon/sql/worklist_update.sql.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import TYPE_CHECKING

from recon import queries
from recon.errors import NotFound, UsageError

if TYPE_CHECKING:
    import polars as pl

AGEING_BUCKETS = ("0-1 d", "2-7 d", "8-30 d", ">30 d")
LIST_COLUMNS = ("item_id", "biz_date", "kind", "severity", "status", "account_id",
                "v1_serial_no", "v2_serial_no", "field", "v1_value", "v2_value",
                "amount_impact", "currency", "residual", "fix_side", "suggested_action",
                "first_seen", "last_seen", "days_open", "accepted_by", "accepted_reason",
                "record")
# The ageing bucket of an item still to be worked, as of a date ($d).
AGEING_SQL = (
    "CASE WHEN $d - first_seen <= 1 THEN '0-1 d' WHEN $d - first_seen <= 7 THEN '2-7 d' "
    "WHEN $d - first_seen <= 30 THEN '8-30 d' ELSE '>30 d' END"
)


@dataclass(frozen=True)
class Filters:
    statuses: tuple[str, ...] = ()
    kinds: tuple[str, ...] = ()
    severities: tuple[str, ...] = ()
    fix_side: str | None = None
    account_id: str | None = None
    biz_date: date | None = None
    min_impact: Decimal | None = None
    in_transit_days: int | None = None   # only MISSING_IN_* items still in transit


def items(con, filters: Filters, as_of: date | None = None) -> pl.DataFrame:
    """Worklist items matching `filters`, worst first. days_open counts to `as_of`
    (default: the last date reconciled)."""
    where, params = ["TRUE"], {}
    if filters.statuses:
        where.append("status IN (SELECT unnest($statuses))")
        params["statuses"] = list(filters.statuses)
    if filters.kinds:
        where.append("kind IN (SELECT unnest($kinds))")
        params["kinds"] = list(filters.kinds)
    if filters.severities:
        where.append("severity IN (SELECT unnest($severities))")
        params["severities"] = list(filters.severities)
    if filters.fix_side:
        where.append("fix_side = $fix_side")
        params["fix_side"] = filters.fix_side
    if filters.account_id:
        where.append("account_id = $account")
        params["account"] = filters.account_id
    if filters.biz_date:
        where.append("biz_date = $d")
        params["d"] = filters.biz_date
    if filters.min_impact is not None:
        where.append("abs(amount_impact) >= $min_impact")
        params["min_impact"] = filters.min_impact
    if filters.in_transit_days is not None:
        # as of the last date reconciled (queries/in_transit.sql says the same of a date)
        where.append("kind IN ('MISSING_IN_V1', 'MISSING_IN_V2') AND status IN ('new', 'open') "
                     "AND biz_date > (SELECT max(biz_date) FROM runs WHERE status = "
                     "'succeeded') - CAST($window AS INTEGER)")
        params["window"] = filters.in_transit_days
    params["as_of"] = as_of
    # Days open: to `as_of`, else to the last date reconciled; a resolved item's to the
    # last date it was found.
    days_open = ("CASE WHEN status = 'resolved' THEN last_seen ELSE COALESCE("
                 "CAST($as_of AS DATE), (SELECT max(biz_date) FROM runs "
                 "WHERE status = 'succeeded'), last_seen) END - first_seen AS days_open")
    record = "COALESCE(record, 'v1') AS record"   # items found before cut-overs were known
    columns = ", ".join(days_open if c == "days_open" else record if c == "record" else c
                        for c in LIST_COLUMNS)
    return frame(con,
                 f"SELECT {columns} FROM worklist WHERE {' AND '.join(where)} "
                 f"ORDER BY status IN ('resolved', 'accepted'), severity, "
                 f"abs(amount_impact) DESC, biz_date, account_id, item_id", params)


def for_date(con, biz_date: date) -> pl.DataFrame:
    """The findings of one date with their worklist status: the rows of worklist.csv."""
    return frame(con, queries.query("views/worklist_for_date"), {"d": biz_date})


def frame(con, query: str, params: dict) -> pl.DataFrame:
    """A query's rows as a DataFrame (through Arrow: decimals stay decimals)."""
    import polars as pl

    query = query.strip().rstrip(";")
    con.complete()   # a relation cannot start while an earlier execute() is unfinished
    return pl.from_arrow(con.sql(query, params=queries.bound(query, params)).to_arrow_table())


def ageing(con, as_of: date) -> tuple[tuple[str, int], ...]:
    """Items still to be worked (new or open) by age bucket, as of `as_of`."""
    counts = dict(con.execute(
        f"SELECT {AGEING_SQL}, count(*) FROM worklist "
        f"WHERE status IN ('new', 'open') AND first_seen <= $d GROUP BY 1",
        {"d": as_of},
    ).fetchall())
    return tuple((bucket, counts.get(bucket, 0)) for bucket in AGEING_BUCKETS)


def accept(catalog, item_id: str, reason: str, by: str, now: datetime) -> dict:
    """Waive one item in the catalog (recon/state/catalog.py): status accepted, with who,
    why, when and the impact accepted, and the change kept in its history. If a later
    run finds its amount_impact or residual changed, it reopens."""
    if not reason.strip():
        raise UsageError("--reason must say why the finding is accepted")
    with catalog.transaction():
        row = catalog.rows("SELECT status, amount_impact FROM worklist WHERE item_id = :id",
                           {"id": item_id})
        if not row:
            raise NotFound(f"no worklist item {item_id}")
        status, impact = row[0]
        if status == "resolved":
            raise UsageError(f"item {item_id} is resolved: there is nothing to accept")
        catalog.execute(
            "UPDATE worklist SET status = 'accepted', accepted_by = :by, accepted_reason = "
            ":why, accepted_at = :now, accepted_impact = amount_impact, updated_at = :now "
            "WHERE item_id = :id", {"by": by, "why": reason, "now": now, "id": item_id})
        catalog.execute(
            "INSERT INTO worklist_events (item_id, changed_at, run_id, biz_date, from_status, "
            "to_status, note) VALUES (:id, :now, NULL, NULL, :status, 'accepted', :note)",
            {"id": item_id, "now": now, "status": status, "note": f"by {by}: {reason}"})
    return {"item_id": item_id, "from_status": status, "status": "accepted",
            "amount_impact": Decimal(impact), "accepted_by": by, "reason": reason}


def in_transit(con, as_of: date, window: int) -> tuple[tuple[str, int, Decimal], ...]:
    """The items in transit as of `as_of`, per currency: (currency, items, Σ impact)."""
    query = queries.query("views/in_transit").strip().rstrip(";")
    return tuple(con.execute(
        f"SELECT currency, count(*), CAST(sum(amount_impact) AS DECIMAL(18,2)) FROM ({query}) "
        f"GROUP BY currency ORDER BY currency",
        queries.bound(query, {"as_of": as_of, "window": window})).fetchall())
