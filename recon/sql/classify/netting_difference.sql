-- NETTING_DIFFERENCE: one business order posted in another shape (docs/interface.md §2).
-- After the split match, per (account_id, biz_order_no) with a biz_order_no: every entry
-- of the order still without a counterpart, on both sides (left_over, beyond_parts.sql),
-- when they are two or more, at most $netting_max, all of one currency, and each side's
-- signed sum is the other's (a side with none sums to 0): a payout and its failure
-- refund posted on one side only, a gross posting and its fee against one net posting.
-- They are one NETTING_DIFFERENCE (impact 0; each side's serials joined by '+' and
-- values by ' + ', in serial order; NULL for a side with none), not a MISSING_IN_* each.
-- All or nothing per group: no subset search; a larger group stays missing.
CREATE OR REPLACE TEMP TABLE netting_parts AS
WITH groups AS (
    SELECT account_id, biz_order_no
    FROM left_over
    GROUP BY account_id, biz_order_no
    HAVING count(*) BETWEEN 2 AND $netting_max
       AND count(DISTINCT currency) = 1
       AND COALESCE(sum(signed) FILTER (WHERE side = 'v1'), 0)
         = COALESCE(sum(signed) FILTER (WHERE side = 'v2'), 0)
)
SELECT l.*
FROM left_over AS l
JOIN groups AS g USING (account_id, biz_order_no);

DELETE FROM run_findings WHERE rowid IN (SELECT rid FROM netting_parts);

INSERT INTO run_findings BY NAME
SELECT 'entry' AS scope, 'NETTING_DIFFERENCE' AS kind, CAST(NULL AS VARCHAR) AS system,
       account_id, any_value(currency) AS currency, biz_order_no,
       CAST(0 AS DECIMAL(18,2)) AS amount_impact,
       string_agg(serial_no, '+' ORDER BY serial_no) FILTER (WHERE side = 'v1') AS v1_serial_no,
       string_agg(serial_no, '+' ORDER BY serial_no) FILTER (WHERE side = 'v2') AS v2_serial_no,
       string_agg(value, ' + ' ORDER BY serial_no) FILTER (WHERE side = 'v1') AS v1_value,
       string_agg(value, ' + ' ORDER BY serial_no) FILTER (WHERE side = 'v2') AS v2_value
FROM netting_parts
GROUP BY account_id, biz_order_no;

-- the entries it matched: every entry of every group
INSERT INTO beyond_parts
SELECT 'NETTING_DIFFERENCE', side FROM netting_parts;
