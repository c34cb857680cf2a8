-- SERIAL_MISMATCH: a pair found by the secondary match (match_serial.sql): one posting
-- under two serial numbers; impact 0 (the pair's money differences are reported apart).
INSERT INTO run_findings ({finding_columns})
SELECT 'entry' AS scope, 'SERIAL_MISMATCH' AS kind, CAST(NULL AS VARCHAR) AS system,
       account_id, v1_currency AS currency, v1_serial_no, v2_serial_no,
       v1_copy_no AS copy_no, 'serial_no' AS field, v1_serial_no AS v1_value,
       v2_serial_no AS v2_value, CAST(0 AS DECIMAL(18,2)) AS amount_impact,
       CAST(NULL AS DECIMAL(18,2)) AS residual, v1_biz_order_no AS biz_order_no,
       CAST(NULL AS BIGINT) AS copies
FROM diff_pairs
WHERE match_type = 'serial';
