-- The scheduled backup overdue (no good backup for a day and two hours while backups are
-- scheduled) is an alert of its own beside a failed backup (lib/backup/schedule.ts), and so is an
-- approved restore that the worker could not carry out (lib/backup/restore-backup.ts). Keeps
-- break_glass (20261204100000_signing_authority).
ALTER TABLE security_alerts DROP CONSTRAINT security_alerts_kind_check;
ALTER TABLE security_alerts ADD CONSTRAINT security_alerts_kind_check CHECK (kind IN (
  'account_locked', 'mfa_failed', 'signature_failed', 'comm_loss', 'quarantine_escalation', 'chain_verify_failed',
  'broker_drift', 'broker_change_mismatch', 'backup_failed', 'backup_overdue', 'backup_restore_failed', 'drill_failed', 'backup_drill_failed',
  'backup_drill_overdue', 'break_glass'));
