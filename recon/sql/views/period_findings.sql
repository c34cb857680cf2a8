-- period_findings: worklist items by kind: opened in the period (first seen), resolved
-- in it, accepted in it (on a date of it or the morning after its last), and open at its
-- end (first seen by then, and neither resolved nor accepted by then); with the age
-- bucket ({age_bucket}, as of $last) of those open at the end.
WITH items AS (
    SELECT kind, first_seen, status, resolved_on, CAST(accepted_at AS DATE) AS accepted_on
    FROM worklist
)
SELECT 'opened' AS measure, kind, NULL AS bucket FROM items
WHERE first_seen BETWEEN $first AND $last
UNION ALL
SELECT 'resolved', kind, NULL FROM items
WHERE status = 'resolved' AND resolved_on BETWEEN $first AND $last
UNION ALL
SELECT 'accepted', kind, NULL FROM items
WHERE status = 'accepted' AND accepted_on BETWEEN $first AND $last + 1
UNION ALL
SELECT 'open_at_end', kind, {age_bucket} FROM items
WHERE first_seen <= $last
  AND (status IN ('new', 'open')
       OR (status = 'resolved' AND resolved_on > $last)
       OR (status = 'accepted' AND accepted_on > $last + 1))
