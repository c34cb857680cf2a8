-- reject_duplicate_balances: a system may give one balance row per account and date.
-- When it gives several, none of them can be trusted: every copy is rejected.
UPDATE {stage}
SET reason = 'duplicate balance row for account',
    raw = CAST(to_json(struct_pack(account_id := account_id,
                                   opening_balance := CAST(opening_balance AS VARCHAR),
                                   closing_balance := CAST(closing_balance AS VARCHAR),
                                   currency := currency)) AS VARCHAR)
WHERE reason IS NULL
  AND account_id IN (SELECT account_id FROM {stage} WHERE reason IS NULL
                     GROUP BY account_id HAVING count(*) > 1);
