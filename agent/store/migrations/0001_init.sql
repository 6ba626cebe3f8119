-- The officer's laptop store. Personal data lives only in the sealed
-- (encrypted) blobs: fields, name, decision and op bodies. Clear columns hold
-- only what lists and sync need and what reveals no resident: ids, kind,
-- status, tracking code, village, timestamps.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value BLOB NOT NULL
) WITHOUT ROWID;

CREATE TABLE records (
    id            TEXT PRIMARY KEY,
    kind          TEXT NOT NULL,
    status        TEXT NOT NULL,
    tracking_code TEXT NOT NULL UNIQUE,
    village_code  TEXT NOT NULL DEFAULT '',
    fields        BLOB NOT NULL,            -- sealed JSON of record.Fields
    name          BLOB NOT NULL,            -- sealed display name: a list opens only this
    versions      BLOB NOT NULL,            -- sealed JSON: path -> HLC of its last write
                                            -- (sealed too: which fields are filled, e.g. a
                                            -- father on a birth, is itself personal)
    flags         TEXT NOT NULL DEFAULT '',
    decision      BLOB,                     -- sealed JSON of record.Decision
    officer       TEXT NOT NULL DEFAULT '',
    device_id     TEXT NOT NULL,
    created_at    INTEGER NOT NULL,         -- unix ms
    updated_at    INTEGER NOT NULL,
    hlc           INTEGER NOT NULL          -- last write
);
CREATE INDEX records_status_updated ON records (status, updated_at);
CREATE INDEX records_updated ON records (updated_at);

-- The op log: one row per local write, in the same transaction as the row
-- it changes. seq counts 1, 2, 3... with no gaps (taken from meta.seq).
CREATE TABLE ops (
    seq       INTEGER PRIMARY KEY,
    op_id     TEXT NOT NULL UNIQUE,
    device_id TEXT NOT NULL,
    hlc       INTEGER NOT NULL,
    record_id TEXT NOT NULL REFERENCES records (id),
    kind      TEXT NOT NULL,
    action    TEXT NOT NULL,
    body      BLOB NOT NULL                 -- sealed JSON {fields, base, meta}
);
CREATE INDEX ops_record ON ops (record_id);

-- Blind index: HMAC(index key, NIK) -> record, so a NIK can be found without
-- storing it in the clear. Tokens are useless without the passphrase; which
-- field matched (mother, witness...) is found after opening the record.
CREATE TABLE nik_index (
    token     BLOB NOT NULL,
    record_id TEXT NOT NULL REFERENCES records (id),
    PRIMARY KEY (token, record_id)
) WITHOUT ROWID;
CREATE INDEX nik_index_record ON nik_index (record_id);
