-- Audit viewer, "text in reason": the words of each reason are stored with the event.
--
-- A keyset page of a frequent word walks the chain newest first and tests each event until 50
-- match; with the words only in an expression index, every tested event re-ran to_tsvector()
-- (~5 µs each, thousands per page: a page of "calibration" took 4-5x an unfiltered page in
-- bench/audit.ts). Reading a stored tsvector costs a fraction of that, and rare words still use
-- the GIN index. The column is derived (GENERATED, never written by the application) and is not
-- part of the hashed canonical text, so the chain and its verification are unchanged.
--
-- Adding a stored generated column rewrites the table once, under an exclusive lock: on a large
-- trail, run this migration in a maintenance window (about 40 s per million events on 2 vCPUs,
-- indexes included).
ALTER TABLE audit_events
  ADD COLUMN reason_tsv tsvector GENERATED ALWAYS AS (to_tsvector('simple', coalesce(reason, ''))) STORED;

DROP INDEX audit_events_reason_fts_idx;
CREATE INDEX audit_events_reason_tsv_idx ON audit_events USING gin (reason_tsv);
