-- entry_findings: the entry-level findings of one date (docs/interface.md §3), before severity,
-- item_id and suggested action are given to them (see finalize_findings).
-- amount_impact is the finding's effect on (v2 − v1) for its account. When a pair's
-- amount and direction both differ, only AMOUNT_MISMATCH is reported, with the full
-- impact, so impacts never count twice.
-- {field_mismatches} is one "UNION ALL SELECT ... FIELD_MISMATCH" per compared field.
-- copies: how many copies the entry's key has in its system (a MISSING_IN_* copy of a
-- key held more than once is an extra copy, as its action says).
CREATE OR REPLACE TEMP TABLE run_findings AS
SELECT 'entry' AS scope, *
FROM (
SELECT 'MISSING_IN_V2' AS kind, CAST(NULL AS VARCHAR) AS system, account_id,
       v1_currency AS currency, v1_serial_no, CAST(NULL AS VARCHAR) AS v2_serial_no,
       v1_copy_no AS copy_no, CAST(NULL AS VARCHAR) AS field,
       v1_direction || ' ' || CAST(v1_amount AS VARCHAR) AS v1_value,
       CAST(NULL AS VARCHAR) AS v2_value,
       CAST(-v1_signed AS DECIMAL(18,2)) AS amount_impact,
       CAST(NULL AS DECIMAL(18,2)) AS residual,
       v1_biz_order_no AS biz_order_no, v1_copies AS copies
FROM diff_pairs WHERE v2_serial_no IS NULL
UNION ALL
SELECT 'MISSING_IN_V1', NULL, account_id, v2_currency, NULL, v2_serial_no, v2_copy_no, NULL,
       NULL, v2_direction || ' ' || CAST(v2_amount AS VARCHAR),
       CAST(v2_signed AS DECIMAL(18,2)), NULL, v2_biz_order_no, v2_copies
FROM diff_pairs WHERE v1_serial_no IS NULL
UNION ALL
SELECT 'SERIAL_MISMATCH', NULL, account_id, v1_currency, v1_serial_no, v2_serial_no,
       v1_copy_no, 'serial_no', v1_serial_no, v2_serial_no,
       CAST(0 AS DECIMAL(18,2)), NULL, v1_biz_order_no, NULL
FROM diff_pairs WHERE match_type = 'serial'
UNION ALL
SELECT 'AMOUNT_MISMATCH', NULL, account_id, v1_currency, v1_serial_no, v2_serial_no,
       v1_copy_no, 'amount',
       v1_direction || ' ' || CAST(v1_amount AS VARCHAR),
       v2_direction || ' ' || CAST(v2_amount AS VARCHAR),
       CAST(v2_signed - v1_signed AS DECIMAL(18,2)), NULL, v1_biz_order_no, NULL
FROM diff_pairs
WHERE v1_serial_no IS NOT NULL AND v2_serial_no IS NOT NULL AND v1_amount <> v2_amount
UNION ALL
SELECT 'DIRECTION_MISMATCH', NULL, account_id, v1_currency, v1_serial_no, v2_serial_no,
       v1_copy_no, 'direction',
       v1_direction || ' ' || CAST(v1_amount AS VARCHAR),
       v2_direction || ' ' || CAST(v2_amount AS VARCHAR),
       CAST(v2_signed - v1_signed AS DECIMAL(18,2)), NULL, v1_biz_order_no, NULL
FROM diff_pairs
WHERE v1_serial_no IS NOT NULL AND v2_serial_no IS NOT NULL
  AND v1_amount = v2_amount AND v1_direction <> v2_direction
{field_mismatches}
UNION ALL
SELECT 'DUPLICATE_SERIAL', system, account_id, currency,
       CASE WHEN system = 'v1' THEN serial_no END,
       CASE WHEN system = 'v2' THEN serial_no END,
       NULL, 'serial_no',
       CASE WHEN system = 'v1' THEN CAST(copies AS VARCHAR) || ' copies' END,
       CASE WHEN system = 'v2' THEN CAST(copies AS VARCHAR) || ' copies' END,
       CAST(0 AS DECIMAL(18,2)), NULL, biz_order_no, copies
FROM diff_entries
WHERE copies > 1 AND copy_no = 1
) AS found;
