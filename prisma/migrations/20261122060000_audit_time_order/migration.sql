-- Audit viewer at scale: time never goes backwards along a chain, and the words of each reason
-- are kept in seq order (bench/audit.ts, bench/README.md "bench:audit").
--
-- 1. Time order. appendAudit stamps an event with the server's clock read under the chain head
--    lock, but never earlier than the event before it (a clock stepped back by NTP stamps the
--    previous time until it catches up). This trigger makes that a rule of the database: along
--    a chain, occurred_at is non-decreasing in seq. A date range is then a seq range, found
--    with two probes of audit_events_time_idx, and a page of it is a keyset range scan of the
--    primary key, whatever the size of the range (lib/audit/audit-sql.ts).
--
--    Each inserted event is compared with its neighbours in seq, the nearest earlier and the
--    nearest later one (there is none when appending), after the statement, so rows inserted in
--    any order keep the chain ordered. One query per statement, not a function call per row:
--    appendAudit writes up to thousands of events in one INSERT. Appends to a chain are
--    serialized by the head lock.
CREATE FUNCTION custos_audit_time_order() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
  bad record;
BEGIN
  SELECT n.chain_id, n.seq, n.occurred_at, b.occurred_at AS before_at, a.occurred_at AS after_at INTO bad
  FROM new_events n
  LEFT JOIN LATERAL (SELECT e.occurred_at FROM audit_events e
                      WHERE e.chain_id = n.chain_id AND e.seq < n.seq ORDER BY e.seq DESC LIMIT 1) b ON true
  LEFT JOIN LATERAL (SELECT e.occurred_at FROM audit_events e
                      WHERE e.chain_id = n.chain_id AND e.seq > n.seq ORDER BY e.seq ASC LIMIT 1) a ON true
  WHERE b.occurred_at > n.occurred_at OR a.occurred_at < n.occurred_at
  ORDER BY n.seq
  LIMIT 1;
  IF FOUND THEN
    RAISE EXCEPTION 'audit event % of chain % is dated % UTC, %: time never goes backwards along an audit chain (21 CFR 11.10(e))',
      bad.seq, bad.chain_id, bad.occurred_at AT TIME ZONE 'UTC',
      CASE WHEN bad.before_at > bad.occurred_at
        THEN format('before the event preceding it (%s UTC)', bad.before_at AT TIME ZONE 'UTC')
        ELSE format('after the event following it (%s UTC)', bad.after_at AT TIME ZONE 'UTC') END
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NULL;
END
$$;

CREATE TRIGGER audit_events_time_order AFTER INSERT ON audit_events
  REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION custos_audit_time_order();
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_time_order;

-- Events written before this migration were stamped with the bare clock: if it ever stepped
-- back, a chain holds a stretch whose times are out of order. Such a chain is recorded here
-- (one row, written once): events from ordered_from_seq on are in time order, and every earlier
-- one is dated at or before earlier_max_occurred_at. A date range starting after that time is
-- still a seq range; any other date range of that chain is searched by occurred_at, as before.
-- A chain without a row is in time order from its first event.
CREATE TABLE audit_chain_time_order (
  chain_id                text PRIMARY KEY,
  ordered_from_seq        bigint NOT NULL,
  earlier_max_occurred_at timestamptz(6) NOT NULL
);

WITH steps AS (
  SELECT chain_id, seq, occurred_at < lag(occurred_at) OVER (PARTITION BY chain_id ORDER BY seq) AS backwards
  FROM audit_events
), last_step AS (
  SELECT chain_id, max(seq) AS seq FROM steps WHERE backwards GROUP BY chain_id
)
INSERT INTO audit_chain_time_order (chain_id, ordered_from_seq, earlier_max_occurred_at)
SELECT l.chain_id, l.seq,
       (SELECT max(e.occurred_at) FROM audit_events e WHERE e.chain_id = l.chain_id AND e.seq < l.seq)
FROM last_step l;

-- 2. Words of the reason, in seq order. A keyset page of "text in reason" for a frequent word
--    walked the chain newest first and tested each event's stored tsvector until 50 matched
--    (thousands of table pages deep in a 10-million-event trail). With one row per (chain,
--    word, event), a one-word page is an index-only range scan of this table's primary key,
--    exactly like an unfiltered page. The words are those of reason_tsv
--    (to_tsvector('simple', reason), migration 20261122030000_audit_indexes), so a one-word
--    search finds the same events as `reason_tsv @@ plainto_tsquery('simple', word)`; searches
--    of several words still use reason_tsv and its GIN index.
--
--    Filled by the trigger below in the statement that inserts the events, so a word row
--    commits with its event or not at all; the application role may only read it. It is
--    derived data, not part of the hashed canonical text: the chain is unchanged.
CREATE TABLE audit_reason_words (
  chain_id text NOT NULL,
  word     text NOT NULL,
  seq      bigint NOT NULL,
  PRIMARY KEY (chain_id, word, seq)
);

-- SECURITY DEFINER: the trigger writes as the table owner, so custos_app needs (and has) no
-- INSERT privilege on audit_reason_words. ON CONFLICT DO NOTHING: rows left behind by events
-- an owner removed (tampering, which verification reports) must not block the next appends.
CREATE FUNCTION custos_audit_reason_words() RETURNS trigger
LANGUAGE plpgsql SECURITY DEFINER SET search_path = public, pg_temp AS $$
BEGIN
  INSERT INTO audit_reason_words (chain_id, word, seq)
  SELECT n.chain_id, w.word, n.seq
  FROM new_events n CROSS JOIN LATERAL unnest(tsvector_to_array(n.reason_tsv)) AS w(word)
  ON CONFLICT DO NOTHING;
  RETURN NULL;
END
$$;

CREATE TRIGGER audit_events_reason_words AFTER INSERT ON audit_events
  REFERENCING NEW TABLE AS new_events
  FOR EACH STATEMENT EXECUTE FUNCTION custos_audit_reason_words();
ALTER TABLE audit_events ENABLE ALWAYS TRIGGER audit_events_reason_words;

-- The events already in the trail (about 15 s per million events on 2 vCPUs).
INSERT INTO audit_reason_words (chain_id, word, seq)
SELECT e.chain_id, w.word, e.seq
FROM audit_events e CROSS JOIN LATERAL unnest(tsvector_to_array(e.reason_tsv)) AS w(word);

-- 21 CFR 11.10(e): like the events they are derived from, these rows are never changed or removed.
CREATE TRIGGER audit_reason_words_no_update_delete BEFORE UPDATE OR DELETE ON audit_reason_words
  FOR EACH ROW EXECUTE FUNCTION custos_refuse_change();
CREATE TRIGGER audit_reason_words_no_truncate BEFORE TRUNCATE ON audit_reason_words
  FOR EACH STATEMENT EXECUTE FUNCTION custos_refuse_change();
CREATE TRIGGER audit_chain_time_order_no_update_delete BEFORE UPDATE OR DELETE ON audit_chain_time_order
  FOR EACH ROW EXECUTE FUNCTION custos_refuse_change();
CREATE TRIGGER audit_chain_time_order_no_truncate BEFORE TRUNCATE ON audit_chain_time_order
  FOR EACH STATEMENT EXECUTE FUNCTION custos_refuse_change();
ALTER TABLE audit_reason_words ENABLE ALWAYS TRIGGER audit_reason_words_no_update_delete;
ALTER TABLE audit_reason_words ENABLE ALWAYS TRIGGER audit_reason_words_no_truncate;
ALTER TABLE audit_chain_time_order ENABLE ALWAYS TRIGGER audit_chain_time_order_no_update_delete;
ALTER TABLE audit_chain_time_order ENABLE ALWAYS TRIGGER audit_chain_time_order_no_truncate;

GRANT SELECT ON audit_reason_words, audit_chain_time_order TO custos_app;
