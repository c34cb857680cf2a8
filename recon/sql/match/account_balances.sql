-- account_balances: one row per account with a balance row or entries in either system
-- on the date, both systems side by side: opening, closing and currency from the
-- date's balances (date_balances), entries and Σ signed amount from the aggregate pass
-- (day_accounts). The balance checks (break_accounts below, before the join; the
-- account kinds of recon/sql/classify/ after it) read this one table instead of joining
-- the systems' balances each time.
CREATE OR REPLACE TEMP TABLE account_balances AS
WITH b1 AS (SELECT * FROM date_balances WHERE system = 'v1'),
b2 AS (SELECT * FROM date_balances WHERE system = 'v2'),
a1 AS (SELECT * FROM day_accounts WHERE system = 'v1'),
a2 AS (SELECT * FROM day_accounts WHERE system = 'v2')
SELECT COALESCE(b1.account_id, b2.account_id, a1.account_id, a2.account_id) AS account_id,
       b1.opening_balance AS v1_opening, b1.closing_balance AS v1_closing,
       b1.currency AS v1_currency, a1.entries AS v1_entries, a1.net AS v1_net,
       b2.opening_balance AS v2_opening, b2.closing_balance AS v2_closing,
       b2.currency AS v2_currency, a2.entries AS v2_entries, a2.net AS v2_net
FROM b1
FULL OUTER JOIN b2 ON b2.account_id = b1.account_id
FULL OUTER JOIN a1 ON a1.account_id = COALESCE(b1.account_id, b2.account_id)
FULL OUTER JOIN a2 ON a2.account_id = COALESCE(b1.account_id, b2.account_id, a1.account_id);

-- break_accounts: the accounts whose balances do not tie out on the date: their v1 and
-- v2 closing balances differ, a system's roll-forward (opening + Σ signed entries =
-- closing) breaks, or one system has entries or a balance row for the account and the
-- other has no balance row. Balances and aggregates alone tell them, before the join,
-- so every entry of these accounts is kept as evidence (key_join.sql, key_diff.sql) and
-- `recon explain` can walk such an account entry by entry. At most $limit accounts, the
-- largest differences first (a broken balance file must not turn the evidence into a
-- copy of the day).
CREATE OR REPLACE TEMP TABLE break_accounts AS
SELECT account_id
FROM account_balances
WHERE v1_closing <> v2_closing
   OR v1_closing <> v1_opening + COALESCE(v1_net, 0)
   OR v2_closing <> v2_opening + COALESCE(v2_net, 0)
   OR v1_closing IS NULL OR v2_closing IS NULL
ORDER BY greatest(abs(COALESCE(v2_closing, 0) - COALESCE(v1_closing, 0)),
                  abs(COALESCE(v1_closing - (v1_opening + COALESCE(v1_net, 0)), 0)),
                  abs(COALESCE(v2_closing - (v2_opening + COALESCE(v2_net, 0)), 0)),
                  abs(COALESCE(v1_net, 0)), abs(COALESCE(v2_net, 0))) DESC,
         account_id
LIMIT $limit;

-- account_sides: account_balances as one row per system and account, for the checks
-- of each system's own roll-forward (classify/rollforward_break.sql,
-- classify/balance_row_missing.sql).
CREATE OR REPLACE TEMP TABLE account_sides AS
SELECT account_id, 'v1' AS system, v1_opening AS opening, v1_closing AS closing,
       v1_currency AS currency, v1_entries AS entries, COALESCE(v1_net, 0) AS net
FROM account_balances
UNION ALL
SELECT account_id, 'v2' AS system, v2_opening, v2_closing, v2_currency, v2_entries,
       COALESCE(v2_net, 0)
FROM account_balances;
