-- Audit viewer: every filter has a composite index ending in seq, so a keyset page
-- (WHERE <filter> AND seq < $cursor ORDER BY seq DESC LIMIT n) is an index range scan
-- whatever the filter's selectivity.
CREATE INDEX audit_events_actor_idx ON audit_events (chain_id, actor_id, seq);
CREATE INDEX audit_events_action_idx ON audit_events (chain_id, action, seq);
CREATE INDEX audit_events_context_idx ON audit_events (chain_id, context_ref, seq) WHERE context_ref IS NOT NULL;
CREATE INDEX audit_events_time_idx ON audit_events (chain_id, occurred_at, seq);
-- Words of the reason, for "text in reason" (built-in full text search: no extension needed).
CREATE INDEX audit_events_reason_fts_idx ON audit_events USING gin (to_tsvector('simple', coalesce(reason, '')));
-- The entity index of the records migration, widened by chain.
DROP INDEX audit_events_entity_idx;
CREATE INDEX audit_events_entity_idx ON audit_events (chain_id, entity_type, entity_id, seq);
