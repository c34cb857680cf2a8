-- run_published: the run's output folder is in place.
UPDATE runs SET published_at = $now WHERE run_id = $run_id;
