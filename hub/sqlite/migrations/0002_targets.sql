-- Coverage reports (hub/report.go). Portable SQL, as 0001.

-- What each region is expected to register per year: imported from CSV
-- (internal/targets), never hard-coded. Rates are per 1000 residents.
CREATE TABLE targets (
    region_code         TEXT NOT NULL,      -- dotted Kemendagri code, any level
    year                INTEGER NOT NULL,
    population          BIGINT NOT NULL,
    wajib_ktp           BIGINT NOT NULL,    -- residents 17+ or married
    wajib_ktp_estimated INTEGER NOT NULL DEFAULT 0, -- 1: 0.70 x population
    birth_rate          DOUBLE PRECISION NOT NULL,  -- crude birth rate
    death_rate          DOUBLE PRECISION NOT NULL,  -- crude death rate
    imported_at         BIGINT NOT NULL,    -- unix ms
    PRIMARY KEY (region_code, year)
);

-- Derived from the record's state by PutRecord, so that reports count in
-- SQL without decoding state JSON. Rows written before this migration are
-- filled in by Store.BackfillReportColumns (captured_at = 0).
ALTER TABLE records ADD COLUMN captured_at BIGINT NOT NULL DEFAULT 0;  -- State.Created, unix ms
ALTER TABLE records ADD COLUMN event_date TEXT NOT NULL DEFAULT '';    -- birth_date / death_date
ALTER TABLE records ADD COLUMN delay_days BIGINT;                      -- event to capture; NULL: no date
ALTER TABLE records ADD COLUMN ktp_due INTEGER NOT NULL DEFAULT 0;     -- ektp of someone 17+ or married
ALTER TABLE records ADD COLUMN received_at BIGINT NOT NULL DEFAULT 0;  -- last time it became received

-- Covering, and in the coverage query's GROUP BY order: it streams the
-- index with no sort (captured_at is filtered in the index).
CREATE INDEX records_report ON records (village_code, kind, status, ktp_due, captured_at, delay_days);
CREATE INDEX records_backlog ON records (status, village_code, received_at);
