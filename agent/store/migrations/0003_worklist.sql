-- The officer's worklist: residents of the assigned villages the hub's
-- roster says still need a KTP-el or a birth certificate (hub ops of action
-- worklist). Personal data only in the sealed blob, as for records: the id
-- is the hub's random entry id, and kind and village name no one.
CREATE TABLE worklist (
    id           TEXT PRIMARY KEY,
    kind         TEXT NOT NULL,
    village_code TEXT NOT NULL,
    fields       BLOB NOT NULL,   -- sealed JSON of record.Fields: the form's prefill
    hlc          INTEGER NOT NULL -- the hub op that wrote it
);
CREATE INDEX worklist_village ON worklist (village_code, kind);
