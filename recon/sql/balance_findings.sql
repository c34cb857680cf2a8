-- balance_findings: the account-level findings of one date (CONTRACT §4), appended to
-- run_findings after the entry findings, whose impacts they need.
--   BALANCE_MISMATCH       v1 and v2 closing differ; residual = closing difference −
--                          (carried-in opening difference + Σ entry findings' impacts)
--   ACCOUNT_MISSING_IN_V2  a balance row in v1 only: impact −v1 closing
--   ACCOUNT_MISSING_IN_V1  a balance row in v2 only: impact +v2 closing
--   ROLLFORWARD_BREAK      per system: closing ≠ opening + Σ signed entries;
--                          impact = closing − (opening + Σ signed entries)
--   BALANCE_ROW_MISSING    per system: the account has entries but no balance row,
--                          so its roll-forward cannot be checked; impact 0
INSERT INTO run_findings
SELECT 'account', *
FROM (
WITH b1 AS (SELECT * FROM balances WHERE biz_date = $d AND system = 'v1'),
b2 AS (SELECT * FROM balances WHERE biz_date = $d AND system = 'v2'),
flows AS (
    SELECT system, account_id, net FROM day_accounts
),
entry_impacts AS (
    SELECT account_id, SUM(amount_impact) AS impact
    FROM run_findings
    WHERE scope = 'entry'
    GROUP BY account_id
)
SELECT 'BALANCE_MISMATCH', NULL, b1.account_id, b1.currency, NULL, NULL, NULL,
       NULL,
       CAST(b1.closing_balance AS VARCHAR), CAST(b2.closing_balance AS VARCHAR),
       CAST(b2.closing_balance - b1.closing_balance AS DECIMAL(18,2)),
       CAST((b2.closing_balance - b1.closing_balance)
            - ((b2.opening_balance - b1.opening_balance) + COALESCE(ei.impact, 0))
            AS DECIMAL(18,2)),
       NULL
FROM b1
JOIN b2 ON b1.account_id = b2.account_id
LEFT JOIN entry_impacts AS ei ON ei.account_id = b1.account_id
WHERE b1.closing_balance <> b2.closing_balance
UNION ALL
SELECT 'ACCOUNT_MISSING_IN_V2', NULL, b1.account_id, b1.currency, NULL, NULL, NULL,
       NULL, CAST(b1.closing_balance AS VARCHAR), NULL,
       CAST(-b1.closing_balance AS DECIMAL(18,2)), NULL, NULL
FROM b1
WHERE b1.account_id NOT IN (SELECT account_id FROM b2)
UNION ALL
SELECT 'ACCOUNT_MISSING_IN_V1', NULL, b2.account_id, b2.currency, NULL, NULL, NULL,
       NULL, NULL, CAST(b2.closing_balance AS VARCHAR),
       CAST(b2.closing_balance AS DECIMAL(18,2)), NULL, NULL
FROM b2
WHERE b2.account_id NOT IN (SELECT account_id FROM b1)
UNION ALL
SELECT 'ROLLFORWARD_BREAK', b.system, b.account_id, b.currency, NULL, NULL, NULL,
       NULL,
       CASE WHEN b.system = 'v1' THEN
           'opening ' || CAST(b.opening_balance AS VARCHAR) || ' + entries '
           || CAST(CAST(COALESCE(f.net, 0) AS DECIMAL(18,2)) AS VARCHAR)
           || ' <> closing ' || CAST(b.closing_balance AS VARCHAR) END,
       CASE WHEN b.system = 'v2' THEN
           'opening ' || CAST(b.opening_balance AS VARCHAR) || ' + entries '
           || CAST(CAST(COALESCE(f.net, 0) AS DECIMAL(18,2)) AS VARCHAR)
           || ' <> closing ' || CAST(b.closing_balance AS VARCHAR) END,
       CAST(b.closing_balance - (b.opening_balance + COALESCE(f.net, 0)) AS DECIMAL(18,2)),
       NULL, NULL
FROM balances AS b
LEFT JOIN flows AS f ON f.system = b.system AND f.account_id = b.account_id
WHERE b.biz_date = $d
  AND b.closing_balance <> b.opening_balance + COALESCE(f.net, 0)
UNION ALL
SELECT 'BALANCE_ROW_MISSING', f.system, f.account_id, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, CAST(0 AS DECIMAL(18,2)), NULL, NULL
FROM flows AS f
WHERE NOT EXISTS (SELECT 1 FROM balances AS b
                  WHERE b.biz_date = $d AND b.system = f.system
                    AND b.account_id = f.account_id)
) AS found;
