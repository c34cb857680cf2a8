-- insert_balances: the valid staged balance rows of one system and date.
INSERT INTO balances (
    biz_date, system, account_id, opening_balance, closing_balance, currency,
    source_file, source_row
)
SELECT $d, $s, account_id, opening_balance, closing_balance, currency, source_file, source_row
FROM {stage}
WHERE reason IS NULL;
