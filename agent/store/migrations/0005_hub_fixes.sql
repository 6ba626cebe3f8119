-- What the hub's operators changed on a record, so the officer can see who
-- changed which field and whether it settled a conflict (the values
-- themselves are in the record's sealed fields). Paths and the operator's
-- name only: nothing of the resident.
CREATE TABLE hub_fixes (
    record_id TEXT NOT NULL REFERENCES records (id),
    hlc       INTEGER NOT NULL,       -- the hub op's
    by        TEXT NOT NULL,          -- the operator
    fields    TEXT NOT NULL,          -- comma-separated paths the op changed here
    resolved  TEXT NOT NULL,          -- those of them whose conflict it resolved
    PRIMARY KEY (record_id, hlc)
);
