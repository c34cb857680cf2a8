-- day_accounts: both systems' per-account and per-flow aggregates of the date
-- (entry_aggregates.sql) side by side, valid entries only. The balance checks, the
-- join's duplicate check, the audits and daily_accounts / daily_flows read these,
-- never the entries again.
CREATE OR REPLACE TEMP TABLE day_accounts AS
SELECT 'v1' AS system, account_id, entries, net, legal_entity
FROM {v1}_accounts
WHERE entries > 0
UNION ALL
SELECT 'v2' AS system, account_id, entries, net, legal_entity
FROM {v2}_accounts
WHERE entries > 0;

CREATE OR REPLACE TEMP TABLE day_flows AS
SELECT 'v1' AS system, legal_entity, biz_type, direction, currency, entries, amount
FROM {v1}_flows
UNION ALL
SELECT 'v2' AS system, legal_entity, biz_type, direction, currency, entries, amount
FROM {v2}_flows;
