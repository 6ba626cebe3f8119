-- Which record the officer started from a worklist entry, so the worklist
-- shows "recorded" instead of inviting a second capture of the same
-- resident while the hub has not yet approved the first (days, offline).
-- Ids only: nothing personal.
CREATE TABLE worklist_started (
    entry_id  TEXT PRIMARY KEY,           -- worklist.id (the hub's entry)
    record_id TEXT NOT NULL REFERENCES records (id)
);
