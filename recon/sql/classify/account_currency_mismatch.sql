-- ACCOUNT_CURRENCY_MISMATCH: an account whose two balance rows name different
-- currencies; impact 0.
INSERT INTO run_findings ({finding_columns})
SELECT 'account' AS scope, 'ACCOUNT_CURRENCY_MISMATCH' AS kind,
       CAST(NULL AS VARCHAR) AS system, account_id, v1_currency AS currency,
       CAST(NULL AS VARCHAR) AS v1_serial_no, CAST(NULL AS VARCHAR) AS v2_serial_no,
       CAST(NULL AS BIGINT) AS copy_no, 'currency' AS field, v1_currency AS v1_value,
       v2_currency AS v2_value, CAST(0 AS DECIMAL(18,2)) AS amount_impact,
       CAST(NULL AS DECIMAL(18,2)) AS residual, CAST(NULL AS VARCHAR) AS biz_order_no,
       CAST(NULL AS BIGINT) AS copies
FROM account_balances
WHERE v1_currency <> v2_currency;
