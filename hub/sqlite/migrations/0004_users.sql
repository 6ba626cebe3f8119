-- Hub accounts and their browser sessions.
CREATE TABLE users (
    name       TEXT PRIMARY KEY,
    role       TEXT NOT NULL,            -- operator, supervisor, admin
    region     TEXT NOT NULL DEFAULT '', -- region code prefix the user sees; '' = everything
    hash       TEXT NOT NULL,            -- Argon2id, PHC string
    created_at BIGINT NOT NULL,
    disabled   INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,         -- sha256 of the cookie value: a stolen database holds no live session
    user_name  TEXT NOT NULL REFERENCES users (name),
    csrf       TEXT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL
);
CREATE INDEX sessions_expiry ON sessions (expires_at);
