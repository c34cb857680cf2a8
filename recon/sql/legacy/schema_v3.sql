-- schema_v3: the state keeps evidence, not a copy of every entry (docs/interface.md §4).
-- `evidence` holds both systems' full rows of every entry a finding names (and every
-- entry of an account whose balance does not tie out); `entries` is filled only with
-- [state] keep_entries = "all". This migration keeps, as evidence, the stored entries
-- of the accounts that have a finding on their date; the rest of an older database's
-- entries stay until their date is reconciled again.

CREATE TABLE IF NOT EXISTS evidence (
    biz_date      DATE NOT NULL,
    system        VARCHAR NOT NULL,
    entry_id      BIGINT NOT NULL,
    serial_no     VARCHAR NOT NULL,
    account_id    VARCHAR NOT NULL,
    direction     VARCHAR NOT NULL,
    amount        DECIMAL(18,2) NOT NULL,
    currency      VARCHAR NOT NULL,
    biz_type      VARCHAR NOT NULL,
    biz_order_no  VARCHAR,
    posted_at     TIMESTAMP NOT NULL,
    legal_entity  VARCHAR,
    subject_code  VARCHAR,
    balance_after DECIMAL(18,2),
    copy_no       INTEGER NOT NULL,
    copies        INTEGER NOT NULL,
    source_file   VARCHAR NOT NULL,
    source_row    BIGINT NOT NULL
);

INSERT INTO evidence
SELECT e.*
FROM entries AS e
WHERE EXISTS (SELECT 1 FROM findings AS f
              WHERE f.biz_date = e.biz_date AND f.account_id = e.account_id)
  AND NOT EXISTS (SELECT 1 FROM evidence AS v WHERE v.biz_date = e.biz_date);
