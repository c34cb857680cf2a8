-- schema_v2: daily aggregates for the finance month-end check (`recon month-end`).
-- Filled per date by daily_aggregates.sql; this migration also fills them for every
-- date already in the database, from its stored entries.

CREATE TABLE IF NOT EXISTS daily_flows (
    biz_date     DATE NOT NULL,
    system       VARCHAR NOT NULL,
    legal_entity VARCHAR,
    biz_type     VARCHAR NOT NULL,
    direction    VARCHAR NOT NULL,
    currency     VARCHAR NOT NULL,
    entries      BIGINT NOT NULL,
    amount       DECIMAL(38,2) NOT NULL
);

CREATE TABLE IF NOT EXISTS daily_accounts (
    biz_date     DATE NOT NULL,
    system       VARCHAR NOT NULL,
    account_id   VARCHAR NOT NULL,
    legal_entity VARCHAR,          -- of the account's latest entry that date
    entries      BIGINT NOT NULL,
    net          DECIMAL(38,2) NOT NULL   -- Σ signed amount (C +, D −)
);

INSERT INTO daily_flows (biz_date, system, legal_entity, biz_type, direction, currency,
                         entries, amount)
SELECT biz_date, system, legal_entity, biz_type, direction, currency,
       count(*), CAST(sum(amount) AS DECIMAL(38,2))
FROM entries
GROUP BY biz_date, system, legal_entity, biz_type, direction, currency;

INSERT INTO daily_accounts (biz_date, system, account_id, legal_entity, entries, net)
SELECT biz_date, system, account_id,
       arg_max_null(legal_entity,   -- the latest entry, as daily_aggregates.sql says
                    CAST(epoch_us(posted_at) AS HUGEINT) * 18446744073709551616
                    + hash(serial_no, copy_no)),
       count(*),
       CAST(sum(CASE direction WHEN 'C' THEN amount ELSE -amount END) AS DECIMAL(38,2))
FROM entries
GROUP BY biz_date, system, account_id;
