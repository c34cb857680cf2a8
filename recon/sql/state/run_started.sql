-- run_started: a run of one date begins (status running). A record left running with no
-- run holding the lock is a run that was killed (recon/ops/status.py).
INSERT INTO runs (run_id, biz_date, command, started_at, status, v1_dir, v2_dir, out_dir)
VALUES ($run_id, $d, $command, $started, 'running', $v1, $v2, $out_dir);
