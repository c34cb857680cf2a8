-- month_closing_balances: Σ closing balance per legal_entity (and currency) per system on
-- the month's last reconciled date ($as_of). Balances carry no entity: each system's
-- account is attributed to the legal_entity of its own latest entry on or before $as_of
-- (NULL when it has none), so a broken entity field in one system shows here too.
WITH entity AS (
    SELECT system, account_id,
           first(legal_entity ORDER BY biz_date DESC) AS legal_entity
    FROM daily_accounts
    WHERE biz_date <= $as_of
    GROUP BY system, account_id
),
per_system AS (
    SELECT e.legal_entity, b.currency, b.system,
           count(*) AS accounts, sum(b.closing_balance) AS closing
    FROM balances AS b
    LEFT JOIN entity AS e USING (system, account_id)
    WHERE b.biz_date = $as_of
    GROUP BY ALL
)
SELECT legal_entity, currency,
       COALESCE(sum(accounts) FILTER (WHERE system = 'v1'), 0) AS v1_accounts,
       CAST(COALESCE(sum(closing) FILTER (WHERE system = 'v1'), 0) AS DECIMAL(38,2))
           AS v1_closing,
       COALESCE(sum(accounts) FILTER (WHERE system = 'v2'), 0) AS v2_accounts,
       CAST(COALESCE(sum(closing) FILTER (WHERE system = 'v2'), 0) AS DECIMAL(38,2))
           AS v2_closing
FROM per_system
GROUP BY legal_entity, currency
ORDER BY legal_entity NULLS LAST, currency
