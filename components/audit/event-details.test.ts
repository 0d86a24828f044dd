import { describe, expect, it } from 'vitest';
import { contextRefText, entityText, eventLinks, signatureOf, utcText } from '@/components/audit/event-details';

const at = '2026-11-21T22:13:05.123456Z';

describe('audit event details', () => {
  it('reads the manifestation of a signature event and nothing from other events', () => {
    const newValue = { printedName: 'Ada Lovelace', employeeId: 'EMP-1', meaning: 'APPROVAL', version: 2 };
    expect(signatureOf({ action: 'record.sign', newValue, occurredAt: at })).toEqual({ printedName: 'Ada Lovelace', employeeId: 'EMP-1', meaning: 'APPROVAL', signedAt: at });
    expect(signatureOf({ action: 'change_request.reject', newValue, occurredAt: at })?.meaning).toBe('APPROVAL');
    expect(signatureOf({ action: 'record.edit', newValue, occurredAt: at })).toBeNull();
    expect(signatureOf({ action: 'record.sign', newValue: { meaning: 'REVIEW' }, occurredAt: at })).toBeNull();
  });

  it('links a record event to its record and to the trail of its actor and entity', () => {
    const id = '1f07568a-47f9-43d0-841e-ebc50000abcd';
    expect(eventLinks({ actorType: 'user', actorId: 'EMP-1', entityType: 'Record', entityId: id, contextRef: `Record:${id}/v2/transition:review` })).toEqual([
      { label: 'Open the record', href: `/records/${id}` },
      { label: 'All events by this actor', href: '/audit?actor=EMP-1' },
      { label: 'All events of this entity', href: `/audit?entityType=Record&entityId=${id}` },
    ]);
  });

  it('links change requests, users and devices, including a device that acted', () => {
    const links = eventLinks({ actorType: 'device', actorId: 'DEV 7', entityType: 'ChangeRequest', entityId: 'cr-1', contextRef: null });
    expect(links.map((l) => l.href)).toEqual([
      '/change-requests/cr-1',
      '/admin/devices/DEV%207',
      '/audit?actor=DEV+7',
      '/audit?entityType=ChangeRequest&entityId=cr-1',
    ]);
    expect(eventLinks({ actorType: 'user', actorId: 'E', entityType: 'User', entityId: 'u-1', contextRef: null })[0]).toEqual({ label: 'Open the user', href: '/admin/users/u-1' });
  });

  it('shows the stored time with its microseconds, in UTC', () => {
    expect(utcText(at)).toBe('2026-11-21 22:13:05.123456 UTC');
  });

  it('[11.10(e)] names entities by their human reference, and keeps the UUID when it is unknown', () => {
    const id = '0b0b0b0b-0000-4000-8000-000000000001';
    const refs = { [`Record:${id}`]: 'BR-000005' };
    expect(entityText('Record', id, refs)).toBe('BR-000005');
    expect(entityText('Record', id.toUpperCase(), refs)).toBe('BR-000005');
    expect(entityText('ChangeRequest', id, refs)).toBe(`ChangeRequest:${id}`);
    expect(entityText('AuditChain', null, refs)).toBe('AuditChain');
    expect(contextRefText(`Record:${id}/v2/transition:review`, refs)).toBe('BR-000005/v2/transition:review');
    expect(contextRefText('Alert:12/acknowledge', refs)).toBe('Alert:12/acknowledge');
    expect(contextRefText(null, refs)).toBeNull();
  });
});
