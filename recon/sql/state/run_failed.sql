-- run_failed: the run failed: its exit code and the one line it said.
UPDATE runs
SET status = 'failed', finished_at = $now, exit_code = $exit_code, message = $message
WHERE run_id = $run_id;
