-- MISSING_IN_V1: a v2 entry that no v1 entry matched (diff_pairs.sql): impact +signed(v2).
INSERT INTO run_findings ({finding_columns})
SELECT 'entry' AS scope, 'MISSING_IN_V1' AS kind, CAST(NULL AS VARCHAR) AS system,
       account_id, v2_currency AS currency, CAST(NULL AS VARCHAR) AS v1_serial_no,
       v2_serial_no, v2_copy_no AS copy_no, CAST(NULL AS VARCHAR) AS field,
       CAST(NULL AS VARCHAR) AS v1_value,
       v2_direction || ' ' || CAST(v2_amount AS VARCHAR) AS v2_value,
       CAST(v2_signed AS DECIMAL(18,2)) AS amount_impact,
       CAST(NULL AS DECIMAL(18,2)) AS residual, v2_biz_order_no AS biz_order_no,
       v2_copies AS copies
FROM diff_pairs
WHERE v1_serial_no IS NULL;
