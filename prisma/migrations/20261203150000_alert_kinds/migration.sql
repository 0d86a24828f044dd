-- Every alert kind of lib/alerts/alert-kinds.ts: the backup drill kinds (20261203130000_backups)
-- and the operations kinds (20261203140000_broker_operations) together.
ALTER TABLE security_alerts DROP CONSTRAINT security_alerts_kind_check;
ALTER TABLE security_alerts ADD CONSTRAINT security_alerts_kind_check CHECK (kind IN (
  'account_locked', 'mfa_failed', 'signature_failed', 'comm_loss', 'quarantine_escalation', 'chain_verify_failed',
  'broker_drift', 'broker_change_mismatch', 'backup_failed', 'drill_failed', 'backup_drill_failed', 'backup_drill_overdue'));
