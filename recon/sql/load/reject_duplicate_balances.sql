-- reject_duplicate_balances: a system may give one balance row per account and date.
-- When it gives several, none of them can be trusted: every copy is rejected.
-- (A replacement of the staged table rather than an UPDATE, so Spark runs it too.)
CREATE OR REPLACE TEMP TABLE {stage} AS
WITH duplicated AS (
    SELECT account_id
    FROM {stage}
    WHERE reason IS NULL
    GROUP BY account_id
    HAVING count(*) > 1
)
SELECT
    s.file_index, s.source_row,
    s.account_id, s.opening_balance, s.closing_balance, s.currency,
    CASE WHEN d.account_id IS NOT NULL THEN 'duplicate balance row for account'
         ELSE s.reason END AS reason,
    CASE WHEN d.account_id IS NOT NULL
         THEN CAST(to_json(struct_pack(account_id := s.account_id,
                                       opening_balance := CAST(s.opening_balance AS VARCHAR),
                                       closing_balance := CAST(s.closing_balance AS VARCHAR),
                                       currency := s.currency)) AS VARCHAR)
         ELSE s.raw END AS raw
FROM {stage} AS s
LEFT JOIN duplicated AS d ON s.reason IS NULL AND d.account_id = s.account_id;
