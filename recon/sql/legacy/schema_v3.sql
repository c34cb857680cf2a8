-- schema_v3: the state keeps evidence, not a copy of every entry (docs/interface.md §4).
-- `evidence` holds both systems' full rows of every entry a finding names (and every
-- entry of an account whose balance does not tie out); `entries` is filled only with
-- [state] keep_entries = "all". This migration keeps, as evidence, the stored entries
-- of the accounts that have a finding on their date; the rest of an older database's
-- entries stay until their date is reconciled again.

CREATE TABLE IF NOT EXISTS evidence AS
SELECT e.*
FROM entries AS e
WHERE EXISTS (SELECT 1 FROM findings AS f
              WHERE f.biz_date = e.biz_date AND f.account_id = e.account_id);
