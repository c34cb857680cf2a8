-- daily_aggregates: what the month-end check needs of one date's entries, kept when the
-- date is reconciled so that `recon month-end` never reads a month of raw entries again.
-- Rerunning the date replaces its rows (the same transaction as the rest of the run).

DELETE FROM daily_flows WHERE biz_date = $d;

-- Flows (出入金流水): count and Σ amount per system × legal_entity × biz_type ×
-- direction × currency. legal_entity may be NULL: a NULL is a group of its own, so a
-- broken entity field shows up as a flow that does not tie out.
INSERT INTO daily_flows (biz_date, system, legal_entity, biz_type, direction, currency,
                         entries, amount)
SELECT $d, system, legal_entity, biz_type, direction, currency,
       count(*), CAST(sum(amount) AS DECIMAL(38,2))
FROM entries
WHERE biz_date = $d
GROUP BY system, legal_entity, biz_type, direction, currency;

DELETE FROM daily_accounts WHERE biz_date = $d;

-- Active accounts: one row per system × account with entries on the date, with the
-- legal_entity of its latest entry (to attribute its closing balance to an entity) and
-- its net (Σ signed amount, which the run's amount conservation check adds up).
-- "Latest" is the greatest (posted_at, hash(serial_no, copy_no)), packed into one
-- HUGEINT (microseconds × 2^64 + a 64-bit hash), so the aggregate keeps one value per
-- account. Ordering by the serial number's text instead kept every entry of each
-- account: twice as slow at 10M a side, 2.6× under a tight memory limit. Entries
-- posted at the same instant are told apart by their values alone, so the same entries
-- in v1 and v2 pick the same one, whatever the files' layout.
INSERT INTO daily_accounts (biz_date, system, account_id, legal_entity, entries, net)
SELECT $d, system, account_id,
       arg_max_null(legal_entity,
                    CAST(epoch_us(posted_at) AS HUGEINT) * 18446744073709551616
                    + hash(serial_no, copy_no)),
       count(*),
       CAST(sum(CASE direction WHEN 'C' THEN amount ELSE -amount END) AS DECIMAL(38,2))
FROM entries
WHERE biz_date = $d
GROUP BY system, account_id;
