-- 10_rows_conserved: per system, every entry row read is matched, in a MISSING_IN_*
-- finding, or rejected (docs/interface.md §4), counted two ways: the run's counts (run_counts:
-- the aggregate pass and the match) against the findings and rejects in the state.
WITH written AS (
    SELECT s.system,
           (SELECT count(*) FROM findings
             WHERE biz_date = $d
               AND kind = CASE s.system WHEN 'v1' THEN 'MISSING_IN_V2'
                                        ELSE 'MISSING_IN_V1' END) AS missing,
           (SELECT count(*) FROM rejects
             WHERE biz_date = $d AND system = s.system AND dataset = 'entries') AS rejected
    FROM run_counts AS s
    WHERE s.dataset = 'entries'
)
SELECT 'row conservation failed for ' || c.system || ' on ' || CAST($d AS VARCHAR)
       || ': read ' || CAST(c.rows_read AS VARCHAR)
       || ', matched ' || CAST(c.rows_matched AS VARCHAR)
       || ', missing ' || CAST(w.missing AS VARCHAR)
       || ' (unmatched ' || CAST(c.unmatched AS VARCHAR) || ')'
       || ', rejected ' || CAST(w.rejected AS VARCHAR)
       || ' (counted ' || CAST(c.rows_rejected AS VARCHAR) || ')'
       || ', valid ' || CAST(c.rows_loaded AS VARCHAR) AS problem,
       c.system
FROM run_counts AS c
JOIN written AS w ON w.system = c.system
WHERE c.dataset = 'entries'
  AND (c.rows_read <> c.rows_matched + w.missing + w.rejected
       OR c.rows_loaded <> c.rows_matched + w.missing
       OR w.missing <> c.unmatched
       OR w.rejected <> c.rows_rejected)
ORDER BY c.system;
