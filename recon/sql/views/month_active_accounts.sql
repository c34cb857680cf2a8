-- month_active_accounts: accounts with at least one entry in the month, per system.
SELECT account_id,
       bool_or(system = 'v1') AS in_v1,
       bool_or(system = 'v2') AS in_v2
FROM daily_accounts
WHERE biz_date BETWEEN $first AND $last
GROUP BY account_id
ORDER BY account_id
