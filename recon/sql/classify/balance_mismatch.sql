-- BALANCE_MISMATCH: an account whose v1 and v2 closing balances differ (account_balances,
-- recon/sql/match/account_balances.sql): impact v2 closing − v1 closing; residual = that
-- difference − (the carried-in opening difference + Σ impact of the account's entry
-- findings, found before it).
INSERT INTO run_findings ({finding_columns})
SELECT 'account' AS scope, 'BALANCE_MISMATCH' AS kind, CAST(NULL AS VARCHAR) AS system,
       a.account_id, a.v1_currency AS currency, CAST(NULL AS VARCHAR) AS v1_serial_no,
       CAST(NULL AS VARCHAR) AS v2_serial_no, CAST(NULL AS BIGINT) AS copy_no,
       CAST(NULL AS VARCHAR) AS field,
       CAST(a.v1_closing AS VARCHAR) AS v1_value, CAST(a.v2_closing AS VARCHAR) AS v2_value,
       CAST(a.v2_closing - a.v1_closing AS DECIMAL(18,2)) AS amount_impact,
       CAST((a.v2_closing - a.v1_closing)
            - ((a.v2_opening - a.v1_opening) + COALESCE(ei.impact, 0))
            AS DECIMAL(18,2)) AS residual,
       CAST(NULL AS VARCHAR) AS biz_order_no, CAST(NULL AS BIGINT) AS copies
FROM account_balances AS a
LEFT JOIN (SELECT account_id, SUM(amount_impact) AS impact
           FROM run_findings
           WHERE scope = 'entry'
           GROUP BY account_id) AS ei
  ON ei.account_id = a.account_id
WHERE a.v1_closing <> a.v2_closing;
