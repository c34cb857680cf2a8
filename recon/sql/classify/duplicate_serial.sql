-- DUPLICATE_SERIAL: a (system, account_id, serial_no) held more than once (the copies
-- diff_entries.sql numbered); impact 0, the extra copies being MISSING_IN_* items.
INSERT INTO run_findings ({finding_columns})
SELECT 'entry' AS scope, 'DUPLICATE_SERIAL' AS kind, system, account_id, currency,
       CASE WHEN system = 'v1' THEN serial_no END AS v1_serial_no,
       CASE WHEN system = 'v2' THEN serial_no END AS v2_serial_no,
       CAST(NULL AS BIGINT) AS copy_no, 'serial_no' AS field,
       CASE WHEN system = 'v1' THEN CAST(copies AS VARCHAR) || ' copies' END AS v1_value,
       CASE WHEN system = 'v2' THEN CAST(copies AS VARCHAR) || ' copies' END AS v2_value,
       CAST(0 AS DECIMAL(18,2)) AS amount_impact,
       CAST(NULL AS DECIMAL(18,2)) AS residual, biz_order_no, copies
FROM diff_entries
WHERE copies > 1 AND copy_no = 1;
