-- The review queue lists newest first: with this index the list is read in
-- order and stops after one page, instead of sorting every record.
CREATE INDEX records_updated ON records (updated_at, id);
