-- resolved_by_run: how many worklist items a run resolved (summary.json's
-- resolved_by_this_run).
SELECT count(*)
FROM worklist_events
WHERE run_id = $run_id AND to_status = 'resolved';
