-- entry_aggregates: one pass over a system's entries of the date ({scan}: every row,
-- typed, with its reason, NULL when valid). Per account: the rows read and rejected
-- (rejected rows group under whatever account_id they carry, NULL included), and of the
-- valid entries their count, Σ signed amount (C +, D −) and the legal_entity of the
-- latest one ({latest_entity}, the engine's expression: see recon/engines.py). These
-- are what daily_accounts keeps, what the balance checks need, and what the join's own
-- counts and the row and amount audits are held against. Then the flows (出入金流水): count
-- and Σ amount per legal_entity × biz_type × direction × currency, for month-end.
CREATE OR REPLACE TEMP TABLE {scan}_accounts AS
SELECT account_id,
       count(*) AS rows_read,
       count(reason) AS rejected,
       count(*) FILTER (WHERE reason IS NULL) AS entries,
       CAST(COALESCE(sum(CASE direction WHEN 'C' THEN amount ELSE -amount END)
                     FILTER (WHERE reason IS NULL), 0) AS DECIMAL(38,2)) AS net,
       {latest_entity} FILTER (WHERE reason IS NULL) AS legal_entity
FROM {scan}
GROUP BY account_id;

CREATE OR REPLACE TEMP TABLE {scan}_flows AS
SELECT legal_entity, biz_type, direction, currency,
       count(*) AS entries, CAST(sum(amount) AS DECIMAL(38,2)) AS amount
FROM {scan}
WHERE reason IS NULL
GROUP BY legal_entity, biz_type, direction, currency;
