-- schema_v5: the copies of a key held more than once pair as the match paired them
-- (docs/interface.md §2.1: copies that agree on every compared value first), not by their
-- copy number: the evidence keeps each entry's pair_no, so that `recon explain` shows the
-- pairs side by side as they were matched. Rows of older runs have none (NULL): they
-- pair by copy number, as those runs did.
ALTER TABLE evidence ADD COLUMN IF NOT EXISTS pair_no BIGINT;
