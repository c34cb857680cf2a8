-- run_succeeded: the run's outcome, in its own transaction: its exit code (as --fail-on
-- counted it), every input's fingerprint and its summary (summary.json).
UPDATE runs
SET status = 'succeeded', finished_at = $now, exit_code = $exit_code, inputs = $inputs,
    counts = $counts
WHERE run_id = $run_id;
