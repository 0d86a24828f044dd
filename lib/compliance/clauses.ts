// Every clause of 21 CFR Part 11 and EU GMP Annex 11 Custos is held to, with the code that
// implements it, or why it is procedural (the customer's SOP, not software). The tests that
// prove a clause are found by their titles (`[11.10(e)] …`, `[Annex 11 §9] …`):
// lib/compliance/matrix.ts joins the two into docs/compliance.md, and the check fails when a
// clause has neither a test nor a reason.

export interface TClause {
  /** As test titles name it: `11.10(e)`, `Annex 11 §7.2`. */
  id: string;
  /** What it asks, paraphrased (not the legal text). */
  asks: string;
  /** Files that implement it (checked to exist). */
  code: string[];
  /** Why software alone does not meet it (procedural, or not applicable), stated once. */
  procedural?: string;
}

export const CLAUSES: TClause[] = [
  // ── 21 CFR Part 11 ──────────────────────────────────────────────────────────────────────
  {
    id: '11.10(a)',
    asks: 'validated for accuracy, reliability and consistent performance; invalid or altered records can be discerned',
    code: ['lib/db/migrate.ts', 'lib/audit/verify-chain.ts', 'lib/compliance/matrix.ts'],
  },
  { id: '11.10(b)', asks: 'accurate and complete copies, human-readable and electronic', code: ['lib/records/render-record-pdf.ts', 'lib/audit/export/run-export.ts'] },
  { id: '11.10(c)', asks: 'records protected and retrievable through the retention period', code: ['lib/backup/create-backup.ts', 'lib/backup/run-drill.ts', 'lib/backup/restore-backup.ts'] },
  { id: '11.10(d)', asks: 'access limited to authorized individuals', code: ['lib/auth/require-user.ts', 'lib/rbac/endpoint-access.ts'] },
  { id: '11.10(e)', asks: 'secure, time-stamped audit trail; earlier values never obscured', code: ['lib/audit/append-audit.ts', 'lib/audit/chain.ts', 'lib/audit/checkpoint.ts'] },
  { id: '11.10(f)', asks: 'operational checks enforce the permitted sequence of steps', code: ['lib/records/lifecycle.ts', 'lib/change-requests/machine.ts'] },
  {
    id: '11.10(g)',
    asks: 'authority checks: who may use the system, sign, alter records or operate devices',
    code: ['lib/rbac/require-permission.ts', 'lib/records/kinds.ts', 'lib/change-requests/authority.ts', 'lib/site/go-live.ts'],
  },
  { id: '11.10(h)', asks: 'device checks: validity of the source of data input', code: ['lib/ingest/verify-inbound.ts', 'lib/ingest/verify-hmac-payload.ts', 'lib/ingest/verify-gateway-payload.ts'] },
  {
    id: '11.10(i)',
    asks: 'people who develop, maintain or use the system are trained for their tasks',
    code: ['lib/training/training.ts', 'lib/esign/sign-record.ts'],
    procedural: "Training content and the training of developers and administrators are the customer's SOP; Custos keeps users' training records and refuses signing while they are overdue.",
  },
  {
    id: '11.10(j)',
    asks: 'written policies hold individuals accountable for their electronic signatures',
    code: [],
    procedural: 'Procedural: a signed policy of the customer. Custos shows the 11.100 statement at every signing (components/esign/esign-dialog.tsx).',
  },
  {
    id: '11.10(k)',
    asks: 'control of system documentation, with revision and change control',
    code: ['lib/records/kinds.ts'],
    procedural:
      'Partly procedural: system documentation (this README, docs/) is versioned with the code. Controlled documents kept in Custos are `document` records with revisions, signatures and an audit trail.',
  },
  {
    id: '11.30',
    asks: 'open systems: encryption and digital signatures where needed',
    code: ['lib/ingest/verify-gateway-payload.ts', 'lib/audit/checkpoint.ts'],
    procedural:
      'Custos runs as a closed system on the plant network; TLS in front of it is the operator\'s configuration (docs/mosquitto.conf for the broker). Device payloads and checkpoints are digitally signed.',
  },
  { id: '11.50(a)', asks: 'signed records show printed name, date and time, and meaning', code: ['lib/esign/manifestation.ts', 'lib/esign/sign-record.ts'] },
  { id: '11.50(b)', asks: 'those items are controlled like the record and shown in every human-readable form', code: ['lib/records/render-record-pdf.ts', 'app/records/[id]/signatures.tsx'] },
  { id: '11.70', asks: 'signatures linked to their records, cannot be excised, copied or transferred', code: ['lib/esign/signature-validity.ts', 'lib/esign/verify-signatures.ts'] },
  {
    id: '11.100(a)',
    asks: 'each electronic signature unique to one person, never reused or reassigned',
    code: ['lib/users/create-user.ts'],
    procedural: 'Employee IDs are unique and never reused (the users table keeps every account; accounts are disabled, never deleted).',
  },
  {
    id: '11.100(b)',
    asks: "the person's identity verified before a signature is allocated",
    code: ['lib/users/identity-evidence.ts', 'lib/change-requests/request-change.ts', 'lib/change-requests/apply-change.ts'],
  },
  { id: '11.100(c)', asks: 'certification to the agency that e-signatures are legally binding', code: [], procedural: 'Procedural: a letter from the customer to the agency.' },
  { id: '11.200(a)(1)', asks: 'two distinct components; within a continuous session later signings use at least one', code: ['lib/esign/check-signer.ts'] },
  {
    id: '11.200(a)(2)',
    asks: 'used only by their genuine owners',
    code: ['lib/esign/check-signer.ts'],
    procedural: 'The signing service accepts only the signed-in person\'s own employee ID and password; keeping them secret is the owner\'s duty under the customer\'s policy.',
  },
  {
    id: '11.200(a)(3)',
    asks: 'use by anyone else needs the collaboration of two or more people',
    code: ['lib/change-requests/machine.ts', 'lib/change-requests/authority.ts'],
    procedural: 'Credentials can be reset only through a change request another person approves; the one-time password goes to the requester, the user must change it at first sign-in.',
  },
  { id: '11.200(b)', asks: 'biometric signatures usable only by their owners', code: [], procedural: 'Not applicable: Custos has no biometric signatures.' },
  { id: '11.300(a)', asks: 'each ID and password combination unique', code: ['lib/auth/password-policy.ts'] },
  { id: '11.300(b)', asks: 'IDs and passwords periodically checked, recalled or revised', code: ['lib/auth/password-policy.ts', 'lib/auth/session-rules.ts'] },
  { id: '11.300(c)', asks: 'loss management: deauthorize compromised credentials, issue replacements under controls', code: ['lib/change-requests/apply-change.ts', 'lib/auth/revoke-session.ts'] },
  { id: '11.300(d)', asks: 'safeguards against unauthorized use; attempts detected and reported urgently', code: ['lib/auth/lockout-rules.ts', 'lib/auth/record-failure.ts', 'lib/alerts/raise-alert.ts'] },
  {
    id: '11.300(e)',
    asks: 'initial and periodic testing of devices that generate codes (TOTP)',
    code: ['lib/auth/mfa.ts'],
    procedural: 'An authenticator is tested at enrolment (a code must verify before it is enabled) and at every administrator sign-in.',
  },

  // ── EU GMP Annex 11 ─────────────────────────────────────────────────────────────────────
  {
    id: 'Annex 11 Principle',
    asks: 'the application is validated; infrastructure qualified',
    code: ['lib/db/migrate.ts'],
    procedural: "Procedural: the customer's validation plan; the suite's results are the OQ evidence (Tests and traceability in the README).",
  },
  { id: 'Annex 11 §1', asks: 'risk management through the life cycle', code: [], procedural: "Procedural: the customer's risk assessment of its use of Custos." },
  { id: 'Annex 11 §2', asks: 'personnel: cooperation between process owner, system owner, QA and IT; training', code: [], procedural: "Procedural: the customer's organisation and training SOP." },
  { id: 'Annex 11 §3', asks: 'suppliers and service providers: agreements, audits, documentation', code: [], procedural: 'Procedural: supplier agreements and audits.' },
  {
    id: 'Annex 11 §4',
    asks: 'validation: life-cycle documentation, change control, requirements traced, data migration checks',
    code: ['lib/db/migrate.ts', 'lib/compliance/matrix.ts'],
    procedural: 'Requirements are traced by this matrix; migrations are checked (checksums, schema drift) by the suite.',
  },
  { id: 'Annex 11 §5', asks: 'data exchanged with other systems: built-in checks for correct and secure entry', code: ['lib/ingest/verify-inbound.ts', 'lib/ingest/strict-json.ts'] },
  { id: 'Annex 11 §6', asks: 'accuracy checks for critical data entered manually', code: ['lib/records/kinds.ts', 'lib/records/parse-content.ts'] },
  { id: 'Annex 11 §7.1', asks: 'data secured against damage; accessibility, readability and accuracy through the retention period', code: ['lib/audit/verify-chain.ts', 'lib/audit/run-verification.ts'] },
  { id: 'Annex 11 §7.2', asks: 'regular backups; restore checked during validation and periodically', code: ['lib/backup/create-backup.ts', 'lib/backup/run-drill.ts'] },
  { id: 'Annex 11 §8.1', asks: 'clear printed copies of electronically stored data', code: ['lib/records/render-record-pdf.ts', 'lib/audit/export/write-pdf.ts'] },
  { id: 'Annex 11 §8.2', asks: 'batch release printouts show whether data changed since original entry', code: ['lib/records/render-record-pdf.ts'] },
  {
    id: 'Annex 11 §9',
    asks: 'audit trail of GMP-relevant changes with reasons; available, intelligible, regularly reviewed',
    code: ['lib/audit/append-audit.ts', 'lib/records/edit-record.ts', 'lib/audit-review/audit-review.ts', 'lib/audit-review/check-review-overdue.ts'],
  },
  { id: 'Annex 11 §10', asks: 'change and configuration management under a defined procedure', code: ['lib/change-requests/machine.ts', 'lib/site/go-live.ts'] },
  {
    id: 'Annex 11 §11',
    asks: 'periodic evaluation that the system remains valid and compliant',
    code: ['lib/alerts/scheduled-verification.ts'],
    procedural: "Procedural: the customer's periodic review; Custos verifies its audit chain on a schedule and alerts on failure.",
  },
  { id: 'Annex 11 §12', asks: 'security: access controls, access changes recorded, operator identity with date and time', code: ['lib/auth/require-user.ts', 'lib/change-requests/apply-change.ts'] },
  { id: 'Annex 11 §13', asks: 'incident management: reported, assessed, root cause, CAPA', code: ['lib/alerts/raise-alert.ts'], procedural: "Procedural: the customer's incident and CAPA process; Custos raises and delivers alerts." },
  { id: 'Annex 11 §14', asks: 'electronic signatures: binding, permanently linked, dated', code: ['lib/esign/sign-record.ts', 'lib/esign/signature-validity.ts'] },
  {
    id: 'Annex 11 §15',
    asks: 'batch release only by Qualified Persons, identified and e-signed',
    code: ['lib/records/kinds.ts'],
    procedural: 'Which role approves a batch record is site configuration (records.sign_approval per kind); naming Qualified Persons is the customer\'s.',
  },
  { id: 'Annex 11 §16', asks: 'business continuity for critical processes', code: ['lib/backup/restore-backup.ts'], procedural: "Procedural: the customer's continuity plan; Custos provides backups, drills and restore." },
  { id: 'Annex 11 §17', asks: 'archiving: archived data checked for accessibility, readability and integrity', code: ['lib/backup/run-drill.ts', 'lib/audit/export/write-bundle.ts'] },
];
