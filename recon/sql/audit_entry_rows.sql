-- audit_entry_rows: per system, the loaded entries against the matched pairs and the
-- MISSING_IN_* findings. Returns one row per system with the three counts.
SELECT s.system,
       (SELECT count(*) FROM entries WHERE biz_date = $d AND system = s.system) AS loaded,
       (SELECT count(*) FROM findings
         WHERE biz_date = $d
           AND kind = CASE s.system WHEN 'v1' THEN 'MISSING_IN_V2' ELSE 'MISSING_IN_V1' END
       ) AS missing,
       (SELECT count(*) FROM rejects
         WHERE biz_date = $d AND system = s.system AND dataset = 'entries') AS rejected
FROM (VALUES ('v1'), ('v2')) AS s(system)
ORDER BY s.system;
