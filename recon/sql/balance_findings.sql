-- balance_findings: the account-level findings of one date (docs/interface.md §3), appended to
-- run_findings after the entry findings, whose impacts they need. From
-- account_balances (account_balances.sql): both systems' balances and entry
-- aggregates, one row per account.
--   BALANCE_MISMATCH       v1 and v2 closing differ; residual = closing difference −
--                          (carried-in opening difference + Σ entry findings' impacts)
--   ACCOUNT_MISSING_IN_V2  a balance row in v1 only: impact −v1 closing
--   ACCOUNT_MISSING_IN_V1  a balance row in v2 only: impact +v2 closing
--   ROLLFORWARD_BREAK      per system: closing ≠ opening + Σ signed entries;
--                          impact = closing − (opening + Σ signed entries)
--   BALANCE_ROW_MISSING    per system: the account has entries but no balance row,
--                          so its roll-forward cannot be checked; impact 0 (in the
--                          currency of the other system's balance row, if any)
--   ACCOUNT_CURRENCY_MISMATCH  the two balance rows name different currencies; impact 0
-- An ACCOUNT_MISSING_IN_* whose missing side has entries for the account (its balance
-- row is missing or was rejected) says so in that side's value, so that its action is
-- to deliver the row, as BALANCE_ROW_MISSING's is, not to open or close the account.
INSERT INTO run_findings
SELECT 'account', *
FROM (
WITH entry_impacts AS (
    SELECT account_id, SUM(amount_impact) AS impact
    FROM run_findings
    WHERE scope = 'entry'
    GROUP BY account_id
),
sides AS (
    SELECT account_id, 'v1' AS system, v1_opening AS opening, v1_closing AS closing,
           v1_currency AS currency, v1_entries AS entries, COALESCE(v1_net, 0) AS net
    FROM account_balances
    UNION ALL
    SELECT account_id, 'v2' AS system, v2_opening, v2_closing, v2_currency, v2_entries,
           COALESCE(v2_net, 0)
    FROM account_balances
)
SELECT 'BALANCE_MISMATCH', NULL, a.account_id, a.v1_currency, NULL, NULL, NULL,
       NULL,
       CAST(a.v1_closing AS VARCHAR), CAST(a.v2_closing AS VARCHAR),
       CAST(a.v2_closing - a.v1_closing AS DECIMAL(18,2)),
       CAST((a.v2_closing - a.v1_closing)
            - ((a.v2_opening - a.v1_opening) + COALESCE(ei.impact, 0))
            AS DECIMAL(18,2)),
       NULL, NULL
FROM account_balances AS a
LEFT JOIN entry_impacts AS ei ON ei.account_id = a.account_id
WHERE a.v1_closing <> a.v2_closing
UNION ALL
SELECT 'ACCOUNT_MISSING_IN_V2', NULL, account_id, v1_currency, NULL, NULL, NULL,
       NULL, CAST(v1_closing AS VARCHAR),
       CASE WHEN v2_entries IS NOT NULL
            THEN 'no balance row, ' || CAST(v2_entries AS VARCHAR) || ' entries' END,
       CAST(-v1_closing AS DECIMAL(18,2)), NULL, NULL, NULL
FROM account_balances
WHERE v1_closing IS NOT NULL AND v2_closing IS NULL
UNION ALL
SELECT 'ACCOUNT_MISSING_IN_V1', NULL, account_id, v2_currency, NULL, NULL, NULL,
       NULL,
       CASE WHEN v1_entries IS NOT NULL
            THEN 'no balance row, ' || CAST(v1_entries AS VARCHAR) || ' entries' END,
       CAST(v2_closing AS VARCHAR),
       CAST(v2_closing AS DECIMAL(18,2)), NULL, NULL, NULL
FROM account_balances
WHERE v2_closing IS NOT NULL AND v1_closing IS NULL
UNION ALL
SELECT 'ROLLFORWARD_BREAK', system, account_id, currency, NULL, NULL, NULL,
       NULL,
       CASE WHEN system = 'v1' THEN
           'opening ' || CAST(opening AS VARCHAR) || ' + entries '
           || CAST(CAST(net AS DECIMAL(18,2)) AS VARCHAR)
           || ' <> closing ' || CAST(closing AS VARCHAR) END,
       CASE WHEN system = 'v2' THEN
           'opening ' || CAST(opening AS VARCHAR) || ' + entries '
           || CAST(CAST(net AS DECIMAL(18,2)) AS VARCHAR)
           || ' <> closing ' || CAST(closing AS VARCHAR) END,
       CAST(closing - (opening + net) AS DECIMAL(18,2)),
       NULL, NULL, NULL
FROM sides
WHERE closing <> opening + net
UNION ALL
SELECT 'BALANCE_ROW_MISSING', s.system, s.account_id,
       COALESCE(a.v1_currency, a.v2_currency), NULL, NULL, NULL,
       NULL, NULL, NULL, CAST(0 AS DECIMAL(18,2)), NULL, NULL, NULL
FROM sides AS s
JOIN account_balances AS a ON a.account_id = s.account_id
WHERE s.entries IS NOT NULL AND s.closing IS NULL
UNION ALL
SELECT 'ACCOUNT_CURRENCY_MISMATCH', NULL, account_id, v1_currency, NULL, NULL, NULL,
       'currency', v1_currency, v2_currency, CAST(0 AS DECIMAL(18,2)), NULL, NULL, NULL
FROM account_balances
WHERE v1_currency <> v2_currency
) AS found;
