-- run_findings: the date's findings as the kinds' queries find them, before severity,
-- item_id and suggested action are given to them (finalize_findings.sql). Each kind of
-- recon/contract.py's KINDS_TABLE has its own query here, which adds its rows, in the
-- table's order ({finding_columns} in each is this table's column list).
--   amount_impact  the finding's effect on (v2 − v1) for its account
--   copies         how many copies the entry's key has in its system (a MISSING_IN_*
--                  copy of a key held more than once is an extra copy)
CREATE OR REPLACE TEMP TABLE run_findings AS
SELECT CAST(NULL AS VARCHAR) AS scope, CAST(NULL AS VARCHAR) AS kind,
       CAST(NULL AS VARCHAR) AS system, CAST(NULL AS VARCHAR) AS account_id,
       CAST(NULL AS VARCHAR) AS currency, CAST(NULL AS VARCHAR) AS v1_serial_no,
       CAST(NULL AS VARCHAR) AS v2_serial_no, CAST(NULL AS BIGINT) AS copy_no,
       CAST(NULL AS VARCHAR) AS field, CAST(NULL AS VARCHAR) AS v1_value,
       CAST(NULL AS VARCHAR) AS v2_value, CAST(NULL AS DECIMAL(18,2)) AS amount_impact,
       CAST(NULL AS DECIMAL(18,2)) AS residual, CAST(NULL AS VARCHAR) AS biz_order_no,
       CAST(NULL AS BIGINT) AS copies
WHERE 1 = 0;

-- The matched pairs whose amount or direction differ, as entry findings but for their
-- kind and field (AMOUNT_MISMATCH, DIRECTION_MISMATCH): impact signed(v2) − signed(v1).
CREATE OR REPLACE TEMP VIEW changed_pairs AS
SELECT 'entry' AS scope, CAST(NULL AS VARCHAR) AS system, account_id,
       v1_currency AS currency, v1_serial_no, v2_serial_no, v1_copy_no AS copy_no,
       v1_direction || ' ' || CAST(v1_amount AS VARCHAR) AS v1_value,
       v2_direction || ' ' || CAST(v2_amount AS VARCHAR) AS v2_value,
       CAST(v2_signed - v1_signed AS DECIMAL(18,2)) AS amount_impact,
       CAST(NULL AS DECIMAL(18,2)) AS residual, v1_biz_order_no AS biz_order_no,
       CAST(NULL AS BIGINT) AS copies, v1_amount, v2_amount, v1_direction, v2_direction
FROM diff_pairs
WHERE v1_serial_no IS NOT NULL AND v2_serial_no IS NOT NULL
  AND (v1_amount <> v2_amount OR v1_direction <> v2_direction);
