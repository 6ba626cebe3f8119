-- The audit log: append-only, each entry hash-chained to the one before
-- (hub/audit.go says how the hash is made). `jemput-hub audit verify`
-- recomputes the chain and names the first broken link.
CREATE TABLE audit (
    seq       BIGINT PRIMARY KEY,
    at        BIGINT NOT NULL,          -- unix ms
    actor     TEXT NOT NULL,            -- user name, "device:ID" or "cli:NAME"
    action    TEXT NOT NULL,
    target    TEXT NOT NULL DEFAULT '',
    detail    TEXT NOT NULL DEFAULT '',
    prev_hash TEXT NOT NULL,
    hash      TEXT NOT NULL
);
