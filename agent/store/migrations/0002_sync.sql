-- Sync state. The outbox holds bundles sealed to the hub and not yet
-- acknowledged: a sync cut off mid-upload resends the very same bytes (the
-- hub then answers with its first receipt), and an export writes them to
-- the USB stick. A bundle leaves only after a verified receipt covers it.
CREATE TABLE outbox (
    bundle_id  TEXT PRIMARY KEY,
    seq_first  INTEGER NOT NULL,
    seq_last   INTEGER NOT NULL,
    sum        BLOB NOT NULL,            -- sha256 of the bytes: the next bundle's Prev
    bytes      BLOB NOT NULL,            -- sealed to the hub: no plaintext here
    created_at INTEGER NOT NULL
);
CREATE INDEX outbox_seq ON outbox (seq_last);

-- Ops the hub sent down (decisions, operator edits), applied once each.
CREATE TABLE hub_ops (
    op_id     TEXT PRIMARY KEY,
    seq       INTEGER NOT NULL,
    hlc       INTEGER NOT NULL,
    record_id TEXT NOT NULL,
    action    TEXT NOT NULL,
    body      BLOB NOT NULL              -- sealed JSON of the op
);
CREATE INDEX hub_ops_record ON hub_ops (record_id);
