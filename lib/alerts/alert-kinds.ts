// Every kind of alert Custos raises, its severity and how it reads on the alert list. Alerts are
// what operations must look at; each one is also an audit event (who raised it, when, why).

export const ALERT_SEVERITIES = ['info', 'warning', 'high', 'critical'] as const;
export type TAlertSeverity = (typeof ALERT_SEVERITIES)[number];

export const ALERT_KINDS = {
  account_locked: { label: 'Account locked', severity: 'high' },
  mfa_failed: { label: 'Second factor failed', severity: 'warning' },
  signature_failed: { label: 'Signature failed', severity: 'warning' },
  comm_loss: { label: 'Device silent (communication loss)', severity: 'high' },
  quarantine_escalation: { label: 'Quarantined payload not reconciled', severity: 'high' },
  chain_verify_failed: { label: 'Audit chain verification failed', severity: 'critical' },
  broker_drift: { label: 'Broker differs from the approved baseline', severity: 'critical' },
  broker_change_mismatch: { label: 'Broker change not applied as approved', severity: 'critical' },
  backup_failed: { label: 'Backup failed', severity: 'critical' },
  backup_overdue: { label: 'Scheduled backup overdue', severity: 'high' },
  backup_restore_failed: { label: 'Approved restore failed', severity: 'critical' },
  drill_failed: { label: 'Restore drill failed', severity: 'critical' },
  backup_drill_failed: { label: 'Backup drill failed', severity: 'critical' },
  backup_drill_overdue: { label: 'Backup drill overdue', severity: 'high' },
  break_glass: { label: 'Break-glass unlock by the database owner', severity: 'critical' },
  audit_review_overdue: { label: 'Audit trail review overdue', severity: 'high' },
} as const satisfies Record<string, { label: string; severity: TAlertSeverity }>;
export type TAlertKind = keyof typeof ALERT_KINDS;

export function alertLabel(kind: string): string {
  return (ALERT_KINDS as Record<string, { label: string }>)[kind]?.label ?? kind;
}

/** Seconds before the next webhook attempt: doubling from `baseS`, at most an hour. */
export function retryDelayS(attempt: number, baseS: number): number {
  return Math.min(3600, baseS * 2 ** Math.max(0, attempt - 1));
}
