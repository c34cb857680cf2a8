-- daily_aggregates: what `recon explain`, the audits and the month-end check need of
-- one date's entries, kept when the date is reconciled (from day_accounts.sql, the one
-- pass over the entries), so that nothing ever reads a day of raw entries again:
-- date_daily_flows and date_daily_accounts, which recon/pipeline/store.py puts in place of the
-- date's earlier rows.

-- Flows (出入金流水): count and Σ amount per system × legal_entity × biz_type ×
-- direction × currency. legal_entity may be NULL: a NULL is a group of its own, so a
-- broken entity field shows up as a flow that does not tie out.
CREATE OR REPLACE TEMP TABLE date_daily_flows AS
SELECT CAST($d AS DATE) AS biz_date, system, legal_entity, biz_type, direction, currency,
       entries, amount
FROM day_flows;

-- Active accounts: one row per system × account with entries on the date, with the
-- legal_entity of its latest entry (to attribute its closing balance to an entity) and
-- its net (Σ signed amount, which the run's amount conservation check adds up).
CREATE OR REPLACE TEMP TABLE date_daily_accounts AS
SELECT CAST($d AS DATE) AS biz_date, system, account_id, legal_entity, entries, net
FROM day_accounts;
