-- MISSING_IN_V2: a v1 entry that no v2 entry matched (diff_pairs.sql): impact −signed(v1).
INSERT INTO run_findings ({finding_columns})
SELECT 'entry' AS scope, 'MISSING_IN_V2' AS kind, CAST(NULL AS VARCHAR) AS system,
       account_id, v1_currency AS currency, v1_serial_no,
       CAST(NULL AS VARCHAR) AS v2_serial_no, v1_copy_no AS copy_no,
       CAST(NULL AS VARCHAR) AS field,
       v1_direction || ' ' || CAST(v1_amount AS VARCHAR) AS v1_value,
       CAST(NULL AS VARCHAR) AS v2_value,
       CAST(-v1_signed AS DECIMAL(18,2)) AS amount_impact,
       CAST(NULL AS DECIMAL(18,2)) AS residual, v1_biz_order_no AS biz_order_no,
       v1_copies AS copies
FROM diff_pairs
WHERE v2_serial_no IS NULL;
