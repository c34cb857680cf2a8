-- daily_aggregates: what `recon explain`, the audits and the month-end check need of
-- one date's entries, kept when the date is reconciled (from day_accounts.sql, the one
-- pass over the entries), so that nothing ever reads a day of raw entries again.
-- Rerunning the date replaces its rows (the same transaction as the rest of the run).

DELETE FROM daily_flows WHERE biz_date = $d;

-- Flows (出入金流水): count and Σ amount per system × legal_entity × biz_type ×
-- direction × currency. legal_entity may be NULL: a NULL is a group of its own, so a
-- broken entity field shows up as a flow that does not tie out.
INSERT INTO daily_flows (biz_date, system, legal_entity, biz_type, direction, currency,
                         entries, amount)
SELECT $d, system, legal_entity, biz_type, direction, currency, entries, amount
FROM day_flows;

DELETE FROM daily_accounts WHERE biz_date = $d;

-- Active accounts: one row per system × account with entries on the date, with the
-- legal_entity of its latest entry (to attribute its closing balance to an entity) and
-- its net (Σ signed amount, which the run's amount conservation check adds up).
INSERT INTO daily_accounts (biz_date, system, account_id, legal_entity, entries, net)
SELECT $d, system, account_id, legal_entity, entries, net
FROM day_accounts;
