-- TIMING_DIFFERENCE: the cross-date match (docs/interface.md §2). The date's entries left
-- without a counterpart (its MISSING_IN_* findings) are paired with the open MISSING_IN_*
-- items of the $window dates before it: same account, serial, direction, amount and
-- currency, on the other system (a pair never mixes currencies). Such a pair is one
-- posting made on both sides of a cut-off: this date reports it once, as a
-- TIMING_DIFFERENCE (field biz_date, each system's date as its value, the impact of this
-- date's side), and timing_pairs names the earlier item, which worklist_update settles.
-- One-to-one: repeated keys pair in order of date and copy. An earlier item that a
-- previous run of this very date settled is a candidate again (a rerun finds the same
-- pairs), as long as its own date's latest run still finds it.
CREATE OR REPLACE TEMP TABLE timing_pairs AS
WITH here AS (
    SELECT rowid AS rid, *,
           COALESCE(v1_serial_no, v2_serial_no) AS serial_no,
           COALESCE(v1_value, v2_value) AS value
    FROM run_findings
    WHERE kind IN ('MISSING_IN_V1', 'MISSING_IN_V2') AND $window > 0
),
numbered AS (
    SELECT *, row_number() OVER (PARTITION BY kind, account_id, serial_no, value, currency
                                 ORDER BY copy_no, rid) AS k
    FROM here
),
earlier AS (
    SELECT f.biz_date, f.item_id, f.kind, f.account_id, f.currency,
           COALESCE(f.v1_serial_no, f.v2_serial_no) AS serial_no,
           COALESCE(f.v1_value, f.v2_value) AS value,
           row_number() OVER (PARTITION BY f.kind, f.account_id,
                                           COALESCE(f.v1_serial_no, f.v2_serial_no),
                                           COALESCE(f.v1_value, f.v2_value), f.currency
                              ORDER BY f.biz_date, f.copy_no, f.item_id) AS k
    FROM findings AS f
    JOIN worklist AS w ON w.item_id = f.item_id
    WHERE f.biz_date >= $d - CAST($window AS INTEGER) AND f.biz_date < $d
      AND f.kind IN ('MISSING_IN_V1', 'MISSING_IN_V2')
      AND (w.status IN ('new', 'open')
           OR f.item_id IN (SELECT earlier_item_id FROM timing_matches WHERE biz_date = $d))
)
SELECT n.rid, n.kind, n.account_id, n.currency, n.serial_no, n.copy_no, n.amount_impact,
       n.biz_order_no, e.biz_date AS earlier_date, e.item_id AS earlier_item_id
FROM numbered AS n
JOIN earlier AS e
  ON e.kind <> n.kind AND e.account_id = n.account_id AND e.serial_no = n.serial_no
 AND e.value = n.value AND e.currency = n.currency AND e.k = n.k;

DELETE FROM run_findings WHERE rowid IN (SELECT rid FROM timing_pairs);

INSERT INTO run_findings BY NAME
SELECT 'entry' AS scope, 'TIMING_DIFFERENCE' AS kind,
       CASE kind WHEN 'MISSING_IN_V1' THEN 'v2' ELSE 'v1' END AS system,
       account_id, currency, serial_no AS v1_serial_no, serial_no AS v2_serial_no, copy_no,
       'biz_date' AS field,
       CAST(CASE kind WHEN 'MISSING_IN_V1' THEN earlier_date ELSE $d END AS VARCHAR)
           AS v1_value,
       CAST(CASE kind WHEN 'MISSING_IN_V1' THEN $d ELSE earlier_date END AS VARCHAR)
           AS v2_value,
       amount_impact, CAST(NULL AS DECIMAL(18,2)) AS residual, biz_order_no
FROM timing_pairs;

-- the entries it matched: this date's side of each pair (the earlier side was counted
-- on its own date, as a MISSING_IN_* item)
INSERT INTO beyond_parts
SELECT 'TIMING_DIFFERENCE', CASE kind WHEN 'MISSING_IN_V2' THEN 'v1' ELSE 'v2' END
FROM timing_pairs;
