-- worklist_update: carry the date's findings into the worklist (one row per item_id)
-- and record every status change in worklist_events.
--   found, not yet in the worklist        -> new
--   found again                           -> open (accepted stays accepted while its
--                                            amount_impact and residual are unchanged)
--   not found any more                    -> resolved: an entry item by a rerun of its
--                                            own date; an account item by any run of
--                                            its last-seen date or a later one
--   an earlier MISSING_IN_* item this date's TIMING_DIFFERENCE pairs with
--                                         -> resolved, "arrived on <date>"; one a
--                                            previous run of this date had settled and
--                                            this run does not -> open again if its own
--                                            date's latest run still finds it, else
--                                            resolved (an item is open only while its
--                                            date's latest run finds it)
--   an item a later date's run resolved (resolved_on > this date) stays resolved when
--   this earlier date is rerun and finds it again (a late file does not reopen what a
--   later date settled)
-- An account item last seen on a later date is left alone by a rerun of an older date.
CREATE OR REPLACE TEMP TABLE timing_settled AS
SELECT f.item_id, p.earlier_date, p.earlier_item_id,
       'arrived on ' || CAST($d AS VARCHAR) || ' in ' || f.system
       || ' (TIMING_DIFFERENCE ' || f.item_id || ')' AS resolution
FROM timing_pairs AS p
JOIN findings AS f
  ON f.biz_date = $d AND f.kind = 'TIMING_DIFFERENCE' AND f.account_id = p.account_id
 AND f.v2_serial_no = p.serial_no AND f.copy_no IS NOT DISTINCT FROM p.copy_no;

CREATE OR REPLACE TEMP TABLE worklist_changes AS
SELECT f.item_id,
       w.status AS from_status,
       CASE
           WHEN w.item_id IS NULL THEN 'new'
           WHEN w.status = 'resolved' AND w.resolved_on > $d THEN 'resolved'
           WHEN w.status = 'accepted'
            AND w.accepted_impact = f.amount_impact
            AND w.residual IS NOT DISTINCT FROM f.residual THEN 'accepted'
           ELSE 'open'
       END AS to_status,
       CASE WHEN w.status = 'resolved' AND w.resolved_on > $d THEN w.resolution
            END AS resolution,
       CASE WHEN w.status = 'resolved' AND w.resolved_on > $d THEN w.resolved_on
            END AS resolved_on
FROM findings AS f
LEFT JOIN worklist AS w ON w.item_id = f.item_id
WHERE f.biz_date = $d
  AND (w.item_id IS NULL OR w.scope = 'entry' OR w.last_seen <= $d)
UNION ALL
SELECT w.item_id, w.status, 'resolved', NULL, $d
FROM worklist AS w
WHERE w.status <> 'resolved'
  AND ((w.scope = 'entry' AND w.biz_date = $d) OR (w.scope = 'account' AND w.last_seen <= $d))
  AND w.item_id NOT IN (SELECT item_id FROM findings WHERE biz_date = $d)
UNION ALL
SELECT w.item_id, w.status, 'resolved', t.resolution, $d
FROM timing_settled AS t
JOIN worklist AS w ON w.item_id = t.earlier_item_id
UNION ALL
SELECT w.item_id, w.status,
       CASE WHEN still.item_id IS NOT NULL THEN 'open' ELSE 'resolved' END,
       NULL,
       CASE WHEN still.item_id IS NULL THEN m.earlier_date END
FROM timing_matches AS m
JOIN worklist AS w ON w.item_id = m.earlier_item_id
LEFT JOIN findings AS still
  ON still.biz_date = m.earlier_date AND still.item_id = m.earlier_item_id
WHERE m.biz_date = $d
  AND m.earlier_item_id NOT IN (SELECT earlier_item_id FROM timing_settled);

INSERT INTO worklist_events (item_id, changed_at, run_id, biz_date, from_status, to_status, note)
SELECT item_id, $now, $run_id, $d, from_status, to_status, resolution
FROM worklist_changes
WHERE from_status IS DISTINCT FROM to_status;

UPDATE worklist AS w
SET status = c.to_status, resolution = c.resolution, resolved_on = c.resolved_on,
    biz_date = f.biz_date, severity = f.severity, system = f.system, currency = f.currency,
    v1_value = f.v1_value, v2_value = f.v2_value, amount_impact = f.amount_impact,
    residual = f.residual, fix_side = f.fix_side, suggested_action = f.suggested_action,
    record = f.record, first_seen = LEAST(w.first_seen, f.biz_date), last_seen = GREATEST(w.last_seen, f.biz_date),
    last_run_id = $run_id, updated_at = $now
FROM worklist_changes AS c, findings AS f
WHERE w.item_id = c.item_id
  AND f.item_id = c.item_id
  AND f.biz_date = $d;

UPDATE worklist AS w
SET status = c.to_status, resolution = c.resolution, resolved_on = c.resolved_on,
    last_run_id = $run_id, updated_at = $now
FROM worklist_changes AS c
WHERE w.item_id = c.item_id
  AND (c.to_status = 'resolved'
       OR c.item_id NOT IN (SELECT item_id FROM findings WHERE biz_date = $d));

INSERT INTO worklist (
    item_id, kind, scope, biz_date, severity, status, system, account_id, currency,
    v1_serial_no, v2_serial_no, field, v1_value, v2_value, amount_impact, residual,
    fix_side, suggested_action, first_seen, last_seen, last_run_id, updated_at, record
)
SELECT f.item_id, f.kind, f.scope, f.biz_date, f.severity, 'new', f.system, f.account_id, f.currency,
       f.v1_serial_no, f.v2_serial_no, f.field, f.v1_value, f.v2_value,
       f.amount_impact, f.residual, f.fix_side, f.suggested_action,
       f.biz_date, f.biz_date, $run_id, $now, f.record
FROM findings AS f
JOIN worklist_changes AS c ON c.item_id = f.item_id AND c.from_status IS NULL
WHERE f.biz_date = $d;

-- An item this date finds was first seen no later than this date, whatever else a run
-- of an earlier date leaves alone (an account item last seen on a later date, found
-- again by a backfill of the dates before it).
UPDATE worklist AS w
SET first_seen = $d, last_run_id = $run_id, updated_at = $now
FROM findings AS f
WHERE f.biz_date = $d AND f.item_id = w.item_id AND w.first_seen > $d;

DELETE FROM timing_matches WHERE biz_date = $d;

INSERT INTO timing_matches (biz_date, item_id, earlier_date, earlier_item_id, run_id)
SELECT $d, item_id, earlier_date, earlier_item_id, $run_id
FROM timing_settled;
