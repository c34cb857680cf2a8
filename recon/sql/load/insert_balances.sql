-- insert_balances: the valid staged balance rows of one system and date, into the date's
-- balances (date_balances: recon/pipeline/store.py writes them to the state).
INSERT INTO date_balances (
    biz_date, system, account_id, opening_balance, closing_balance, currency,
    source_file, source_row
)
SELECT $d, $s, s.account_id, s.opening_balance, s.closing_balance, s.currency,
       f.source_file, s.source_row
FROM {stage} AS s
JOIN {files} AS f ON f.file_index = s.file_index
WHERE s.reason IS NULL;
