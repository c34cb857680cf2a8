-- period_active_accounts: per date of the period, the accounts with at least one valid
-- entry in v1 and in v2 (the daily aggregates), and whether they are the same accounts.
WITH active AS (
    SELECT biz_date, account_id,
           bool_or(system = 'v1' AND entries > 0) AS in_v1,
           bool_or(system = 'v2' AND entries > 0) AS in_v2
    FROM daily_accounts
    WHERE biz_date BETWEEN $first AND $last
    GROUP BY biz_date, account_id
)
SELECT biz_date, count(*) FILTER (WHERE in_v1) AS v1, count(*) FILTER (WHERE in_v2) AS v2,
       count(*) FILTER (WHERE in_v1 <> in_v2) = 0 AS equal
FROM active
GROUP BY biz_date
ORDER BY biz_date
