-- RFC 6238 §5.2: a one-time password is accepted once. The last accepted time step is kept per
-- user; a code from that step or an earlier one is refused.
ALTER TABLE users ADD COLUMN mfa_last_step bigint;
