-- 60_open_items_are_found: an item is new or open only while the latest run of the date
-- it was last found on still finds it (docs/interface.md §4, the worklist). Checked on
-- the items this run changed ($run_id): a worklist item that says "post the missing
-- entry" while its date's findings no longer hold it would have an engineer post a
-- second copy.
SELECT 'worklist item ' || w.item_id || ' (' || w.kind || ', account ' || w.account_id
       || ') is ' || w.status || ' but the findings of ' || CAST(w.biz_date AS VARCHAR)
       || ' do not hold it' AS problem,
       w.item_id
FROM worklist AS w
WHERE w.last_run_id = $run_id
  AND w.status IN ('new', 'open')
  AND NOT EXISTS (SELECT 1 FROM findings AS f
                  WHERE f.biz_date = w.biz_date AND f.item_id = w.item_id)
ORDER BY w.item_id;
