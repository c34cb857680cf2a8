-- DIRECTION_MISMATCH: a matched pair of equal amounts whose directions differ
-- (changed_pairs, run_findings.sql).
INSERT INTO run_findings ({finding_columns})
SELECT {finding_columns}
FROM (SELECT *, 'DIRECTION_MISMATCH' AS kind, 'direction' AS field FROM changed_pairs) AS p
WHERE v1_amount = v2_amount;
