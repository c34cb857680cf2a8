-- schema_v1: the state database, version 1 (docs/interface.md §4).
-- One file holds the loaded inputs, the findings per date, the worklist with its
-- history, and the run log. Every table that belongs to a date is replaced per date
-- inside one transaction, so a rerun never duplicates.

CREATE TABLE IF NOT EXISTS meta (
    key   VARCHAR NOT NULL,
    value VARCHAR
);

-- One row per run of one date. status: running | succeeded | failed.
-- A row left 'running' with no finished_at is a run that was killed.
CREATE TABLE IF NOT EXISTS runs (
    run_id      VARCHAR NOT NULL,
    biz_date    DATE NOT NULL,
    command     VARCHAR,
    started_at  TIMESTAMP NOT NULL,
    finished_at TIMESTAMP,
    status      VARCHAR NOT NULL,
    exit_code   INTEGER,
    v1_dir      VARCHAR,
    v2_dir      VARCHAR,
    inputs      VARCHAR,   -- JSON: every input file with its size and mtime
    counts      VARCHAR,   -- JSON: the run's summary
    message     VARCHAR
);

-- Valid entries of both systems. copy_no numbers the copies of one
-- (system, biz_date, account_id, serial_no); copies is how many there are.
CREATE TABLE IF NOT EXISTS entries (
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

-- Day-end balances of both systems (日终余额).
CREATE TABLE IF NOT EXISTS balances (
    biz_date        DATE NOT NULL,
    system          VARCHAR NOT NULL,
    account_id      VARCHAR NOT NULL,
    opening_balance DECIMAL(18,2) NOT NULL,
    closing_balance DECIMAL(18,2) NOT NULL,
    currency        VARCHAR NOT NULL,
    source_file     VARCHAR NOT NULL,
    source_row      BIGINT NOT NULL
);

-- Input rows that broke a rule of docs/interface.md §1, with where they came from and why.
CREATE TABLE IF NOT EXISTS rejects (
    biz_date    DATE NOT NULL,
    system      VARCHAR NOT NULL,
    dataset     VARCHAR NOT NULL,   -- entries | balances
    source_file VARCHAR NOT NULL,
    source_row  BIGINT,             -- 1-based data row (header not counted)
    reason      VARCHAR NOT NULL,
    raw         VARCHAR             -- the row's values as read, JSON (or the CSV line)
);

-- The findings of the latest successful run of each date (docs/interface.md §3).
CREATE TABLE IF NOT EXISTS findings (
    biz_date         DATE NOT NULL,
    run_id           VARCHAR NOT NULL,
    item_id          VARCHAR NOT NULL,
    kind             VARCHAR NOT NULL,
    scope            VARCHAR NOT NULL,   -- entry | account: which query found it
    severity         VARCHAR NOT NULL,
    system           VARCHAR,
    account_id       VARCHAR NOT NULL,
    currency         VARCHAR,
    v1_serial_no     VARCHAR,
    v2_serial_no     VARCHAR,
    copy_no          INTEGER,
    field            VARCHAR,
    v1_value         VARCHAR,
    v2_value         VARCHAR,
    amount_impact    DECIMAL(18,2) NOT NULL,
    residual         DECIMAL(18,2),
    fix_side         VARCHAR NOT NULL,
    suggested_action VARCHAR NOT NULL,
    biz_order_no     VARCHAR
);

-- One row per finding identity (item_id), across all dates, with its lifecycle.
CREATE TABLE IF NOT EXISTS worklist (
    item_id          VARCHAR NOT NULL,
    kind             VARCHAR NOT NULL,
    scope            VARCHAR NOT NULL,   -- entry | account
    biz_date         DATE NOT NULL,      -- the date it was last found on
    severity         VARCHAR NOT NULL,
    status           VARCHAR NOT NULL,   -- new | open | resolved | accepted
    system           VARCHAR,
    account_id       VARCHAR NOT NULL,
    currency         VARCHAR,
    v1_serial_no     VARCHAR,
    v2_serial_no     VARCHAR,
    field            VARCHAR,
    v1_value         VARCHAR,
    v2_value         VARCHAR,
    amount_impact    DECIMAL(18,2) NOT NULL,
    residual         DECIMAL(18,2),
    fix_side         VARCHAR NOT NULL,
    suggested_action VARCHAR NOT NULL,
    first_seen       DATE NOT NULL,
    last_seen        DATE NOT NULL,
    last_run_id      VARCHAR NOT NULL,
    updated_at       TIMESTAMP NOT NULL,
    accepted_by      VARCHAR,
    accepted_reason  VARCHAR,
    accepted_at      TIMESTAMP,
    accepted_impact  DECIMAL(18,2)
);

-- Every status change of a worklist item: when, by which run (or person), from and to.
CREATE TABLE IF NOT EXISTS worklist_events (
    item_id     VARCHAR NOT NULL,
    changed_at  TIMESTAMP NOT NULL,
    run_id      VARCHAR,
    biz_date    DATE,
    from_status VARCHAR,
    to_status   VARCHAR NOT NULL,
    note        VARCHAR
);
