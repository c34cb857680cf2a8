-- FIELD_MISMATCH: a matched pair × a compared field whose values differ, NULL-safe;
-- impact 0. Run once per compared field: {field_name} names it, {v1_field} and
-- {v2_field} are its two columns of diff_pairs.
INSERT INTO run_findings ({finding_columns})
SELECT 'entry' AS scope, 'FIELD_MISMATCH' AS kind, CAST(NULL AS VARCHAR) AS system,
       account_id, v1_currency AS currency, v1_serial_no, v2_serial_no,
       v1_copy_no AS copy_no, {field_name} AS field,
       CAST({v1_field} AS VARCHAR) AS v1_value, CAST({v2_field} AS VARCHAR) AS v2_value,
       CAST(0 AS DECIMAL(18,2)) AS amount_impact,
       CAST(NULL AS DECIMAL(18,2)) AS residual, v1_biz_order_no AS biz_order_no,
       CAST(NULL AS BIGINT) AS copies
FROM diff_pairs
WHERE v1_serial_no IS NOT NULL AND v2_serial_no IS NOT NULL
  AND {v1_field} IS DISTINCT FROM {v2_field};
