-- missing_per_system: each system's entries in MISSING_IN_* findings of the date, as
-- summary.json gives them (rows_missing): v1's are MISSING_IN_V2, v2's MISSING_IN_V1.
SELECT CASE kind WHEN 'MISSING_IN_V2' THEN 'v1' ELSE 'v2' END AS system, count(*)
FROM findings
WHERE biz_date = $d AND kind IN ('MISSING_IN_V1', 'MISSING_IN_V2')
GROUP BY kind;
