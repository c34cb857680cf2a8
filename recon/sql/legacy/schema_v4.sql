-- schema_v4: matches across dates (docs/interface.md §2). `timing_matches` records, per
-- later date, each earlier MISSING_IN_* item its TIMING_DIFFERENCE settled, so that a
-- rerun of either date keeps the pair and the settled item stays settled. A worklist
-- item keeps how it was resolved, when a run says more than "no longer found", and the
-- date whose run resolved it: a rerun of an earlier date does not reopen it.
CREATE TABLE IF NOT EXISTS timing_matches (
    biz_date         DATE NOT NULL,      -- the later date, which reports the pair
    item_id          VARCHAR NOT NULL,   -- its TIMING_DIFFERENCE
    earlier_date     DATE NOT NULL,
    earlier_item_id  VARCHAR NOT NULL,   -- the MISSING_IN_* item it settled
    run_id           VARCHAR NOT NULL
);

ALTER TABLE worklist ADD COLUMN IF NOT EXISTS resolution VARCHAR;
ALTER TABLE worklist ADD COLUMN IF NOT EXISTS resolved_on DATE;

-- Where a run's outputs go, and when they were published: a run killed between its
-- commit and the publication of its folder is published by the next run.
ALTER TABLE runs ADD COLUMN IF NOT EXISTS out_dir VARCHAR;
ALTER TABLE runs ADD COLUMN IF NOT EXISTS published_at TIMESTAMP;
