-- The resident roster and the worklists it gives (hub/roster.go,
-- hub/worklist.go). Portable SQL, as 0001.

-- One row per resident of the population database's extract, keyed by NIK.
-- A re-import updates rows in place; residents absent from a later import
-- stay. entry_id is random and kept for life: the worklist entries sent to
-- laptops are named by it, never by the NIK.
CREATE TABLE roster (
    nik          TEXT PRIMARY KEY,
    kk_number    TEXT NOT NULL,
    name         TEXT NOT NULL,
    sex          TEXT NOT NULL CHECK (sex IN ('L', 'P')),
    birth_date   TEXT NOT NULL,             -- YYYY-MM-DD: compares as a date
    village_code TEXT NOT NULL,
    has_ktp_el   INTEGER NOT NULL,          -- 1: holds a KTP-el
    has_birth_certificate INTEGER NOT NULL, -- 1: holds a birth certificate
    entry_id     TEXT NOT NULL UNIQUE,
    imported_at  BIGINT NOT NULL            -- unix ms of the import that last changed the row
);
-- By village, flag and birth date: a worklist refresh reads only the
-- residents due something, not the whole village.
CREATE INDEX roster_ktp ON roster (village_code, has_ktp_el, birth_date);
CREATE INDEX roster_cert ON roster (village_code, has_birth_certificate, birth_date);
CREATE INDEX roster_kk ON roster (kk_number);

-- What each laptop was last sent of each worklist entry: state open (with
-- the digest of the prefill sent) or done. A refresh compares what a
-- laptop should have with this and sends only the differences.
CREATE TABLE worklist_sent (
    device_id    TEXT NOT NULL,
    entry_id     TEXT NOT NULL,             -- as on the laptop: wl-<kind>-<roster.entry_id>
    kind         TEXT NOT NULL,
    village_code TEXT NOT NULL,
    state        TEXT NOT NULL,             -- open, done
    digest       TEXT NOT NULL DEFAULT '',  -- of the prefill sent with open
    PRIMARY KEY (device_id, entry_id)
);
CREATE INDEX worklist_sent_village ON worklist_sent (device_id, village_code);

-- Approved births by birth date, to tell which child of the roster has been
-- registered since the extract.
CREATE INDEX records_event ON records (kind, event_date, status);
