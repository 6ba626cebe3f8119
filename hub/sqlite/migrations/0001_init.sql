-- The hub's store. Portable SQL on purpose (types, upserts, no SQLite-only
-- functions): the PostgreSQL store keeps the same tables.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);

CREATE TABLE counters (
    name  TEXT PRIMARY KEY,
    value BIGINT NOT NULL
);

CREATE TABLE enrol_codes (
    hash       TEXT PRIMARY KEY,
    officer    TEXT NOT NULL,
    villages   TEXT NOT NULL,          -- JSON array of region codes
    created_at BIGINT NOT NULL,        -- unix ms
    expires_at BIGINT NOT NULL,
    used_by    TEXT NOT NULL DEFAULT ''
);

CREATE TABLE devices (
    id          TEXT PRIMARY KEY,
    officer     TEXT NOT NULL,
    villages    TEXT NOT NULL,
    public_key  TEXT NOT NULL,         -- syncproto.PublicIdentity text form
    epoch       TEXT NOT NULL,
    enrolled_at BIGINT NOT NULL,
    applied_seq BIGINT NOT NULL DEFAULT 0,
    last_sync   BIGINT NOT NULL DEFAULT 0,
    skew_ms     BIGINT NOT NULL DEFAULT 0,
    revoked_at  BIGINT NOT NULL DEFAULT 0,
    cutoff_seq  BIGINT NOT NULL DEFAULT 0,
    problem     TEXT NOT NULL DEFAULT ''
);

CREATE TABLE bundles (
    id          TEXT PRIMARY KEY,
    device_id   TEXT NOT NULL REFERENCES devices (id),
    sum         TEXT NOT NULL,          -- hex sha256 of the bundle bytes
    prev        TEXT NOT NULL,
    seq_first   BIGINT NOT NULL,
    seq_last    BIGINT NOT NULL,
    status      TEXT NOT NULL,          -- applied, held, quarantined
    message     TEXT NOT NULL DEFAULT '',
    received_at BIGINT NOT NULL,
    receipt     BLOB,
    raw         BLOB                    -- kept while held or quarantined
);
CREATE INDEX bundles_device ON bundles (device_id, status, seq_first);
CREATE INDEX bundles_ending ON bundles (device_id, seq_last);

-- Every applied op: the devices' own and the hub's. A hub op names the
-- device it goes down to (target).
CREATE TABLE ops (
    device_id TEXT NOT NULL,
    seq       BIGINT NOT NULL,
    op_id     TEXT NOT NULL UNIQUE,
    hlc       BIGINT NOT NULL,
    record_id TEXT NOT NULL,
    target    TEXT NOT NULL DEFAULT '',
    body      TEXT NOT NULL,            -- JSON of syncproto.Op
    PRIMARY KEY (device_id, seq)
);
CREATE INDEX ops_record ON ops (record_id);
CREATE INDEX ops_target ON ops (target, seq);

CREATE TABLE records (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    status        TEXT NOT NULL,
    tracking_code TEXT NOT NULL,
    village_code  TEXT NOT NULL DEFAULT '',
    name          TEXT NOT NULL DEFAULT '',
    flags         TEXT NOT NULL DEFAULT '',   -- space-separated
    device_id     TEXT NOT NULL,
    officer       TEXT NOT NULL DEFAULT '',
    dup_key       TEXT NOT NULL DEFAULT '',
    via           TEXT NOT NULL DEFAULT '',
    updated_at    BIGINT NOT NULL,
    state         TEXT NOT NULL             -- JSON of merge.State
);
-- Not unique: two laptops can draw the same code (1 in 2^55); the hub
-- shows both and the operator tells them apart by id.
CREATE INDEX records_tracking ON records (tracking_code);
CREATE INDEX records_status ON records (status, updated_at);
CREATE INDEX records_dup_key ON records (dup_key);
CREATE INDEX records_device ON records (device_id);

CREATE TABLE duplicates (
    a          TEXT NOT NULL,
    b          TEXT NOT NULL,
    dup_key    TEXT NOT NULL,
    status     TEXT NOT NULL,
    decided_by TEXT NOT NULL DEFAULT '',
    decided_at BIGINT NOT NULL DEFAULT 0,
    PRIMARY KEY (a, b)
);
CREATE INDEX duplicates_b ON duplicates (b);

CREATE TABLE uploads (
    id         TEXT PRIMARY KEY,
    device_id  TEXT NOT NULL,
    bundle_id  TEXT NOT NULL,
    size       BIGINT NOT NULL,
    sum        TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    complete   INTEGER NOT NULL DEFAULT 0,
    UNIQUE (device_id, bundle_id)
);

CREATE TABLE nonces (
    device_id TEXT NOT NULL,
    nonce     TEXT NOT NULL,
    seen_at   BIGINT NOT NULL,
    PRIMARY KEY (device_id, nonce)
);
CREATE INDEX nonces_seen ON nonces (seen_at);
