-- 60_open_items_are_found: an item is new or open only while the latest run of the date
-- it was last found on still finds it (docs/interface.md §5, the worklist). Checked on
-- the items this run made new or open (its worklist_events): a worklist item that says
-- "post the missing entry" while its date's findings no longer hold it would have an
-- engineer post a second copy.
SELECT 'worklist item ' || w.item_id || ' (' || w.kind || ', account ' || w.account_id
       || ') is ' || w.status || ' but the findings of ' || CAST(w.biz_date AS VARCHAR)
       || ' do not hold it' AS problem,
       w.item_id
FROM worklist AS w
WHERE w.item_id IN (SELECT item_id FROM worklist_events
                    WHERE run_id = $run_id AND to_status IN ('new', 'open'))
  AND w.status IN ('new', 'open')
  AND NOT EXISTS (SELECT 1 FROM findings AS f
                  WHERE f.biz_date = w.biz_date AND f.item_id = w.item_id)
ORDER BY w.item_id;
