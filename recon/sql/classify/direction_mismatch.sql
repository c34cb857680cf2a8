-- DIRECTION_MISMATCH: a matched pair of equal amounts whose directions differ: impact
-- signed(v2) − signed(v1).
INSERT INTO run_findings ({finding_columns})
SELECT 'entry' AS scope, 'DIRECTION_MISMATCH' AS kind, CAST(NULL AS VARCHAR) AS system,
       account_id, v1_currency AS currency, v1_serial_no, v2_serial_no,
       v1_copy_no AS copy_no, 'direction' AS field,
       v1_direction || ' ' || CAST(v1_amount AS VARCHAR) AS v1_value,
       v2_direction || ' ' || CAST(v2_amount AS VARCHAR) AS v2_value,
       CAST(v2_signed - v1_signed AS DECIMAL(18,2)) AS amount_impact,
       CAST(NULL AS DECIMAL(18,2)) AS residual, v1_biz_order_no AS biz_order_no,
       CAST(NULL AS BIGINT) AS copies
FROM diff_pairs
WHERE v1_serial_no IS NOT NULL AND v2_serial_no IS NOT NULL
  AND v1_amount = v2_amount AND v1_direction <> v2_direction;
