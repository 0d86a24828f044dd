-- audit_chain_heads is a cache of each chain's last event that the application role must be able
-- to UPDATE (every append moves it). Only an append may move it: the row must name the chain's
-- last event (seq and hash) after every change, which an append satisfies (it inserts its events
-- first) and nothing else does. A head that was moved anyway (by the owner) is corrected by the
-- next append, which reads the last event, and reported by verification.
CREATE FUNCTION custos_chain_head_guard() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  last_seq bigint;
  last_hash bytea;
BEGIN
  SELECT e.seq, e.hash INTO last_seq, last_hash FROM audit_events e WHERE e.chain_id = NEW.chain_id ORDER BY e.seq DESC LIMIT 1;
  IF NEW.chain_id IS DISTINCT FROM OLD.chain_id
     OR NEW.seq IS DISTINCT FROM coalesce(last_seq, 0)
     OR NEW.hash IS DISTINCT FROM coalesce(last_hash, decode(repeat('00', 32), 'hex')) THEN
    RAISE EXCEPTION 'audit chain head % may only move to the chain''s last event (seq %), by an append (21 CFR 11.10(e))', OLD.chain_id, coalesce(last_seq, 0)
      USING ERRCODE = 'check_violation';
  END IF;
  RETURN NEW;
END
$$;
CREATE TRIGGER audit_chain_heads_guard BEFORE UPDATE ON audit_chain_heads FOR EACH ROW EXECUTE FUNCTION custos_chain_head_guard();
ALTER TABLE audit_chain_heads ENABLE ALWAYS TRIGGER audit_chain_heads_guard;
