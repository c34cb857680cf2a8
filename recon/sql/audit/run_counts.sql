-- run_counts: the run's own counts, one row per system and dataset (recon/pipeline/
-- audit.py fills it): rows read, valid (loaded), rejected, matched, and left without a
-- counterpart. The numbered audits hold them against what the state now contains.
CREATE OR REPLACE TEMP TABLE run_counts (
    system        VARCHAR,
    dataset       VARCHAR,
    rows_read     BIGINT,
    rows_loaded   BIGINT,
    rows_rejected BIGINT,
    rows_matched  BIGINT,
    unmatched     BIGINT
);
