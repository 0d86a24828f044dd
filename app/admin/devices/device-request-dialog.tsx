'use client';

import { useActionState, useId, useState } from 'react';
import { Alert } from '@/components/ui/alert';
import { Button } from '@/components/ui/button';
import { Field } from '@/components/ui/field';
import { Modal } from '@/components/ui/modal';
import { Select } from '@/components/ui/select';
import { Textarea } from '@/components/ui/textarea';
import { requestCertificateAction, requestDeviceRegistrationAction, requestKeyRotationAction, type TDeviceRequestState } from './actions';
import { useDialogTrigger } from '@/components/ui/use-dialog-trigger';

export type TDeviceRequestDialogProps =
  | { mode: 'register'; approvals: number }
  /** Rotation keeps the device's key kind. */
  | { mode: 'rotate'; approvals: number; deviceId: string; keyKind: 'hmac' | 'ecdsa' }
  /** A gateway's TLS client certificate (set, replace, or remove with an empty field). */
  | { mode: 'certificate'; approvals: number; deviceId: string; current: string | null };

const CERT_HINT = 'The PEM certificate (-----BEGIN CERTIFICATE-----), or its SHA-256 fingerprint as 64 hex digits (colons allowed)';

const KEY_KINDS = [
  { value: 'hmac', label: 'HMAC secret (device)' },
  { value: 'ecdsa', label: 'ECDSA P-256 (gateway)' },
];

/**
 * Register a device or rotate its key: submits a change request (four eyes), then opens it. The
 * HMAC secret field is held only in this browser tab: a refused submission does not send it back.
 */
export function DeviceRequestDialog(props: TDeviceRequestDialogProps) {
  const { open, show, close, trigger } = useDialogTrigger();
  return (
    <>
      <Button ref={trigger} variant={props.mode === 'register' ? 'primary' : 'secondary'} onClick={show} aria-haspopup="dialog">
        {props.mode === 'register' ? 'Register device' : props.mode === 'rotate' ? 'Rotate key' : 'Set certificate'}
      </Button>
      {open && (
        <div className="text-left">
          <DeviceRequestModal {...props} onClose={close} />
        </div>
      )}
    </>
  );
}

function DeviceRequestModal(props: TDeviceRequestDialogProps & { onClose: () => void }) {
  if (props.mode === 'certificate') return <CertificateModal {...props} />;
  return <KeyModal {...props} />;
}

function fieldErrorsOf(state: TDeviceRequestState, alertId: string) {
  // The service's message is shown once at the top; a field it names points to it, or shows
  // its own message when that says more.
  return (name: string) => {
    const msg = state.fieldErrors?.[name];
    if (!msg) return {};
    if (msg === state.error || !/\s/.test(msg)) return { 'aria-invalid': true as const, 'aria-describedby': alertId };
    return { error: msg };
  };
}

function CertificateModal(props: Extract<TDeviceRequestDialogProps, { mode: 'certificate' }> & { onClose: () => void }) {
  const [state, formAction, pending] = useActionState<TDeviceRequestState, FormData>(requestCertificateAction, {});
  const noteId = useId();
  const alertId = useId();
  const err = fieldErrorsOf(state, alertId);
  return (
    <Modal
      title={`Request: TLS client certificate of ${props.deviceId}`}
      subtitle="With CUSTOS_GATEWAY_AUTH=mtls-header, only a request carrying this certificate is accepted for the gateway."
      describedBy={noteId}
      onClose={props.onClose}
      busy={pending}
    >
      <form action={formAction} className="grid gap-3" noValidate>
        <p id={noteId} className="rounded-md bg-slate-50 px-3 py-2 text-xs text-slate-700">
          Nothing changes now. This submits a change request that {props.approvals === 1 ? 'another person' : `${props.approvals} other people`} must approve with an
          electronic signature. Only the certificate&apos;s SHA-256 is stored. {props.current ? 'Leave the field empty to remove the current certificate.' : ''}
        </p>
        {state.error && (
          <Alert tone="danger" id={alertId}>
            {state.error}
          </Alert>
        )}
        <input type="hidden" name="deviceId" value={props.deviceId} />
        <Textarea
          name="certFingerprint"
          label="Certificate"
          rows={5}
          spellCheck={false}
          defaultValue={state.values?.certFingerprint ?? ''}
          hint={CERT_HINT}
          className="[&_textarea]:font-mono [&_textarea]:text-xs"
          {...err('certFingerprint')}
        />
        <Textarea label="Reason for this change" name="reason" required rows={2} maxLength={2000} hint="Recorded in the audit trail with the request." defaultValue={state.values?.reason ?? ''} {...err('reason')} />
        <div className="flex items-center justify-end gap-2 border-t border-slate-200 pt-3">
          <Button variant="secondary" onClick={props.onClose} disabled={pending}>
            Cancel
          </Button>
          <Button type="submit" disabled={pending}>
            {pending ? 'Submitting…' : 'Submit request'}
          </Button>
        </div>
      </form>
    </Modal>
  );
}

function KeyModal(props: Exclude<TDeviceRequestDialogProps, { mode: 'certificate' }> & { onClose: () => void }) {
  const register = props.mode === 'register';
  const [state, formAction, pending] = useActionState<TDeviceRequestState, FormData>(register ? requestDeviceRegistrationAction : requestKeyRotationAction, {});
  const [keyKind, setKeyKind] = useState<string>(register ? 'hmac' : props.keyKind);
  const [secret, setSecret] = useState('');
  const noteId = useId();
  const alertId = useId();
  const v = (name: string, fallback = '') => state.values?.[name] ?? fallback;
  const err = fieldErrorsOf(state, alertId);
  const grid = 'grid gap-3 sm:grid-cols-2';

  return (
    <Modal
      title={register ? 'Request: register a device' : `Request: rotate the key of ${props.mode === 'rotate' ? props.deviceId : ''}`}
      subtitle={register ? 'A device key lets it create records: two other people approve.' : 'The new key becomes the next version; older versions stay valid for buffered readings.'}
      describedBy={noteId}
      onClose={props.onClose}
      busy={pending}
    >
      <form action={formAction} className="grid gap-3" noValidate>
        <p id={noteId} className="rounded-md bg-slate-50 px-3 py-2 text-xs text-slate-700">
          Nothing changes now. This submits a change request that {props.approvals === 1 ? 'another person' : `${props.approvals} other people`} must approve with an
          electronic signature. An HMAC secret is sealed before it is stored; approvers see only its fingerprint.
        </p>
        {state.error && (
          <Alert tone="danger" id={alertId}>
            {state.error}
          </Alert>
        )}
        {props.mode === 'rotate' && <input type="hidden" name="deviceId" value={props.deviceId} />}
        {register && (
          <div className={grid}>
            <Field name="id" label="Device ID" required autoComplete="off" spellCheck={false} defaultValue={v('id')} hint="As the device names itself (device_id)" {...err('id')} />
            <Select name="keyKind" label="Key" options={KEY_KINDS} value={keyKind} onChange={(e) => setKeyKind(e.target.value)} required />
          </div>
        )}
        {!register && <input type="hidden" name="keyKind" value={keyKind} />}
        {keyKind === 'hmac' ? (
          <Field
            type="password"
            name="hmacSecretHex"
            label={register ? 'HMAC secret (hex)' : 'New HMAC secret (hex)'}
            required
            autoComplete="off"
            spellCheck={false}
            value={secret}
            onChange={(e) => setSecret(e.target.value)}
            hint="32 to 256 bytes as hex digits, exactly as provisioned on the device"
            className="[&_input]:font-mono"
            {...err('hmacSecretHex')}
          />
        ) : (
          <Textarea
            name="publicKeyPem"
            label={register ? 'Public key (PEM)' : 'New public key (PEM)'}
            required
            rows={4}
            spellCheck={false}
            defaultValue={v('publicKeyPem')}
            hint="-----BEGIN PUBLIC KEY----- … of the gateway's P-256 signing key"
            className="[&_textarea]:font-mono [&_textarea]:text-xs"
            {...err('publicKeyPem')}
          />
        )}
        {register && (
          <>
            <div className={grid}>
              <Field name="sensors" label="Sensors" defaultValue={v('sensors')} hint="Gateway only: sensor IDs it signs for, separated by commas" autoComplete="off" {...err('sensors')} />
              <Field name="allowedTopics" label="MQTT topics" defaultValue={v('allowedTopics')} hint="Topics it may publish on, e.g. cold/room-1/#" autoComplete="off" {...err('allowedTopics')} />
            </div>
            <div className={grid}>
              <Field name="firmwareVersion" label="Firmware" defaultValue={v('firmwareVersion')} autoComplete="off" {...err('firmwareVersion')} />
              <Field type="date" name="calibrationDue" label="Calibration due" defaultValue={v('calibrationDue')} {...err('calibrationDue')} />
            </div>
            <div className="grid gap-3 sm:grid-cols-3">
              <Field type="number" step="any" name="limitMin" label="Lower limit" defaultValue={v('limitMin')} {...err('limitMin')} />
              <Field type="number" step="any" name="limitMax" label="Upper limit" defaultValue={v('limitMax')} {...err('limitMax')} />
              <Field name="unit" label="Unit" defaultValue={v('unit', '°C')} autoComplete="off" {...err('unit')} />
            </div>
            <div className={grid}>
              <Field
                type="number"
                min={0}
                name="limitMinDurationS"
                label="Excursion after (s)"
                defaultValue={v('limitMinDurationS', '0')}
                hint="How long readings must stay outside before an excursion opens"
                {...err('limitMinDurationS')}
              />
              <Field
                type="number"
                min={1}
                name="expectedIntervalS"
                label="Expected interval (s)"
                defaultValue={v('expectedIntervalS')}
                hint="Silence longer than this raises a communication-loss alarm"
                {...err('expectedIntervalS')}
              />
            </div>
            <Field name="description" label="Description" defaultValue={v('description')} autoComplete="off" hint="e.g. Fridge 3, warehouse B" {...err('description')} />
            {keyKind === 'ecdsa' && (
              <Textarea
                name="certFingerprint"
                label="TLS client certificate (optional)"
                rows={3}
                spellCheck={false}
                defaultValue={v('certFingerprint')}
                hint={`Gateway only. ${CERT_HINT}`}
                className="[&_textarea]:font-mono [&_textarea]:text-xs"
                {...err('certFingerprint')}
              />
            )}
          </>
        )}
        <Textarea label="Reason for this change" name="reason" required rows={2} maxLength={2000} hint="Recorded in the audit trail with the request." defaultValue={v('reason')} {...err('reason')} />
        <div className="flex items-center justify-end gap-2 border-t border-slate-200 pt-3">
          <Button variant="secondary" onClick={props.onClose} disabled={pending}>
            Cancel
          </Button>
          <Button type="submit" disabled={pending}>
            {pending ? 'Submitting…' : 'Submit request'}
          </Button>
        </div>
      </form>
    </Modal>
  );
}
