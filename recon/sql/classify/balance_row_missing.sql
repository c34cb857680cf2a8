-- BALANCE_ROW_MISSING: per system, an account with entries but no balance row, so its
-- roll-forward cannot be checked; impact 0, in the currency of the other system's
-- balance row, if any. (recon's own kind: the contract names none for this case.)
INSERT INTO run_findings ({finding_columns})
SELECT 'account' AS scope, 'BALANCE_ROW_MISSING' AS kind, s.system, s.account_id,
       COALESCE(a.v1_currency, a.v2_currency) AS currency,
       CAST(NULL AS VARCHAR) AS v1_serial_no, CAST(NULL AS VARCHAR) AS v2_serial_no,
       CAST(NULL AS BIGINT) AS copy_no, CAST(NULL AS VARCHAR) AS field,
       CAST(NULL AS VARCHAR) AS v1_value, CAST(NULL AS VARCHAR) AS v2_value,
       CAST(0 AS DECIMAL(18,2)) AS amount_impact,
       CAST(NULL AS DECIMAL(18,2)) AS residual, CAST(NULL AS VARCHAR) AS biz_order_no,
       CAST(NULL AS BIGINT) AS copies
FROM account_sides AS s
JOIN account_balances AS a ON a.account_id = s.account_id
WHERE s.entries IS NOT NULL AND s.closing IS NULL;
