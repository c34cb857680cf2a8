-- AMOUNT_MISMATCH: a matched pair whose amounts differ (changed_pairs, run_findings.sql).
-- When the direction differs too, this is the only finding of the pair, with the full
-- impact, so impacts never count twice.
INSERT INTO run_findings ({finding_columns})
SELECT {finding_columns}
FROM (SELECT *, 'AMOUNT_MISMATCH' AS kind, 'amount' AS field FROM changed_pairs) AS p
WHERE v1_amount <> v2_amount;
