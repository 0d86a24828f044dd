'use client';

import Link from 'next/link';
import { useEffect, useId, useRef, useState, type KeyboardEvent, type ReactNode } from 'react';
import { LocalTime } from '@/components/esign/local-time';
import { DataList } from '@/components/ui/data-list';
import type { TAuditRow } from '@/lib/audit/query-audit';
import { eventLinks, signatureOf, utcText } from './event-details';
import { changedRows, diffValues, type TFieldChange } from './value-diff';
import { UtcTime } from '@/components/ui/utc-time';

const FOCUSABLE = 'a[href], button:not([disabled]), [tabindex]:not([tabindex="-1"])';

/**
 * Every field of one audit event, in a panel over the right side of the page (a modal dialog:
 * focus moves in and stays in, Escape or the close button closes and focus returns to the row).
 */
export function AuditDetailDrawer({ row, onClose }: { row: TAuditRow & { entityLabel?: string; contextLabel?: string | null }; onClose: () => void }) {
  const titleId = useId();
  const panel = useRef<HTMLDivElement>(null);
  const closeButton = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    closeButton.current?.focus();
    const { overflow } = document.body.style;
    document.body.style.overflow = 'hidden';
    return () => {
      document.body.style.overflow = overflow;
    };
  }, []);

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    if (e.key === 'Escape') {
      e.stopPropagation();
      onClose();
      return;
    }
    if (e.key !== 'Tab' || !panel.current) return;
    const items = [...panel.current.querySelectorAll<HTMLElement>(FOCUSABLE)];
    if (items.length === 0) return;
    const head = items[0];
    const tail = items[items.length - 1];
    if (e.shiftKey && (document.activeElement === head || document.activeElement === panel.current)) {
      e.preventDefault();
      tail.focus();
    } else if (!e.shiftKey && document.activeElement === tail) {
      e.preventDefault();
      head.focus();
    }
  }

  const signature = signatureOf(row);
  const links = eventLinks(row);
  const mono = (v: ReactNode) => <span className="font-mono text-xs wrap-anywhere text-slate-800">{v}</span>;
  const none = <span className="text-slate-500">—</span>;

  return (
    <div className="fixed inset-0 z-40 flex justify-end bg-slate-900/30" data-print="hide" onMouseDown={(e) => e.target === e.currentTarget && onClose()}>
      <div
        ref={panel}
        role="dialog"
        aria-modal="true"
        aria-labelledby={titleId}
        tabIndex={-1}
        onKeyDown={onKeyDown}
        className="flex h-full w-full max-w-xl flex-col border-l border-slate-200 bg-white shadow-xl focus:outline-none"
      >
        <header className="flex items-start justify-between gap-3 border-b border-slate-200 px-5 py-3">
          <div className="min-w-0">
            <h2 id={titleId} className="text-base font-semibold text-slate-900">
              Event <span className="tabular-nums">{row.seq}</span>
            </h2>
            <p className="mt-0.5 text-xs text-slate-600">
              <code className="font-mono text-slate-800">{row.action}</code> · {utcText(row.occurredAt)}
            </p>
          </div>
          <button
            ref={closeButton}
            type="button"
            onClick={onClose}
            aria-label="Close"
            className="-mr-1.5 inline-flex size-7 items-center justify-center rounded-md text-slate-600 hover:bg-slate-100 hover:text-slate-900"
          >
            <svg aria-hidden="true" viewBox="0 0 16 16" className="size-4" fill="none" stroke="currentColor" strokeWidth="1.6">
              <path d="M4 4l8 8M12 4l-8 8" />
            </svg>
          </button>
        </header>

        <div className="grid flex-1 content-start gap-5 overflow-y-auto px-5 py-4">
          {signature && (
            <section aria-labelledby={`${titleId}-sig`} className="rounded-md border border-accent-200 bg-accent-50 px-3 py-2.5" data-testid="signature-manifestation">
              <h3 id={`${titleId}-sig`} className="text-xs font-semibold tracking-wide text-accent-900 uppercase">
                Electronic signature
              </h3>
              <p className="mt-1 text-sm font-medium text-slate-900">
                {signature.printedName}
                {signature.employeeId && <span className="font-normal text-slate-700"> ({signature.employeeId})</span>}
                <span className="font-normal text-slate-700"> — </span>
                {signature.meaning}
              </p>
              <p className="mt-0.5 text-xs text-slate-700">
                Signed <UtcTime iso={signature.signedAt} suffix=" UTC" className="" /> · your time{' '}
                <LocalTime iso={signature.signedAt} />
              </p>
            </section>
          )}

          <section aria-label="Event fields">
            <DataList
              items={[
                { term: 'Seq', description: <span className="tabular-nums">{row.seq}</span> },
                {
                  term: 'Time',
                  description: (
                    <>
                      <time dateTime={row.occurredAt}>{utcText(row.occurredAt)}</time>
                      <span className="block text-xs text-slate-600">
                        Your time: <LocalTime iso={row.occurredAt} />
                      </span>
                    </>
                  ),
                },
                {
                  term: 'Actor',
                  description: (
                    <>
                      {row.actorName ?? row.actorId} {row.actorName && <span className="text-slate-600">({row.actorId})</span>}
                      <span className="block text-xs text-slate-600">
                        {row.actorType}
                        {row.actorRole && ` · ${row.actorRole}`}
                      </span>
                    </>
                  ),
                },
                { term: 'Session', description: row.sessionId ? mono(row.sessionId) : none },
                { term: 'Action', description: <code className="font-mono text-xs text-slate-800">{row.action}</code> },
                {
                  term: 'Entity',
                  description: <EntityRef label={row.entityLabel} raw={row.entityId ? `${row.entityType}:${row.entityId}` : row.entityType} id={row.entityId} />,
                },
                { term: 'Reason', description: row.reason ? <span className="whitespace-pre-wrap">{row.reason}</span> : none },
                {
                  term: 'Context ref',
                  description: row.contextRef ? (
                    <span title={row.contextRef}>
                      {mono(row.contextLabel ?? row.contextRef)}
                      {row.contextLabel && row.contextLabel !== row.contextRef && <span className="block font-mono text-[11px] wrap-anywhere text-slate-500">{row.contextRef}</span>}
                    </span>
                  ) : (
                    none
                  ),
                },
                { term: 'Event hash', description: mono(row.hash) },
              ]}
            />
          </section>

          <section aria-labelledby={`${titleId}-change`}>
            <h3 id={`${titleId}-change`} className="mb-1.5 text-sm font-semibold text-slate-900">
              Old → new values
            </h3>
            <ValueChange oldValue={row.oldValue} newValue={row.newValue} />
            {(row.oldValue != null || row.newValue != null) && (
              <details className="mt-2 text-sm" data-testid="raw-json">
                <summary className="cursor-pointer text-xs font-medium text-slate-700">Raw JSON as recorded</summary>
                <div className="mt-1.5 grid gap-2">
                  {(
                    [
                      ['Old value', row.oldValue],
                      ['New value', row.newValue],
                    ] as const
                  ).map(([label, v]) => (
                    <div key={label} className="min-w-0">
                      <p className="text-xs font-medium text-slate-600">{label}</p>
                      <pre className="mt-0.5 rounded bg-slate-50 p-2 font-mono text-xs wrap-anywhere whitespace-pre-wrap text-slate-800">{v == null ? '—' : JSON.stringify(v, null, 2)}</pre>
                    </div>
                  ))}
                </div>
              </details>
            )}
          </section>

          <section aria-labelledby={`${titleId}-links`}>
            <h3 id={`${titleId}-links`} className="mb-1.5 text-sm font-semibold text-slate-900">
              Related
            </h3>
            <ul className="grid gap-1 text-sm">
              {links.map((l) => (
                <li key={l.href}>
                  <Link href={l.href} className="font-medium text-accent-800 underline-offset-2 hover:underline">
                    {l.label}
                  </Link>
                </li>
              ))}
            </ul>
          </section>
        </div>
      </div>
    </div>
  );
}

/** An entity by its human reference, its UUID on hover and one click from the clipboard. */
function EntityRef({ label, raw, id }: { label?: string; raw: string; id: string | null }) {
  const [copied, setCopied] = useState(false);
  return (
    <span className="inline-flex flex-wrap items-baseline gap-x-2" title={raw} data-testid="entity-ref">
      <span className="font-mono text-xs wrap-anywhere text-slate-800">{label ?? raw}</span>
      {label && label !== raw && <span className="text-xs text-slate-500">{raw.split(':')[0]}</span>}
      {id && (
        <button
          type="button"
          className="text-xs font-medium text-accent-800 underline underline-offset-2"
          onClick={() => {
            void navigator.clipboard?.writeText(id).then(() => setCopied(true));
          }}
        >
          {copied ? 'ID copied' : 'Copy ID'}
        </button>
      )}
    </span>
  );
}

const CHANGE: Record<TFieldChange, { label: string; className: string }> = {
  added: { label: 'added', className: 'bg-emerald-50 text-emerald-800 ring-emerald-200' },
  removed: { label: 'removed', className: 'bg-red-50 text-red-800 ring-red-200' },
  changed: { label: 'changed', className: 'bg-amber-50 text-amber-900 ring-amber-300' },
  unchanged: { label: '', className: '' },
};

function ValueChange({ oldValue, newValue }: { oldValue: unknown; newValue: unknown }) {
  const d = diffValues(oldValue, newValue);
  if (d.kind === 'none') return <p className="text-sm text-slate-600">No values recorded with this event.</p>;
  const cell = (v: string | null) => (v === null ? <span className="text-slate-500">—</span> : <span className="font-mono text-xs wrap-anywhere whitespace-pre-wrap text-slate-800">{v}</span>);
  if (d.kind === 'json') {
    return (
      <div className="grid gap-2 sm:grid-cols-2">
        {(
          [
            ['Old value', d.before],
            ['New value', d.after],
          ] as const
        ).map(([label, v]) => (
          <div key={label} className="min-w-0">
            <p className="text-xs font-medium text-slate-600">{label}</p>
            {v === null ? <p className="text-sm text-slate-500">—</p> : <pre className="mt-0.5 rounded bg-slate-50 p-2 font-mono text-xs wrap-anywhere whitespace-pre-wrap text-slate-800">{v}</pre>}
          </div>
        ))}
      </div>
    );
  }
  // Only one side (a creation, a removal): its fields, without marking each one as added.
  const oneSide = oldValue === null || oldValue === undefined ? 'new' : newValue === null || newValue === undefined ? 'old' : null;
  // An edit: what changed, field by field; the fields that did not, named in one line below.
  const shown = oneSide ? d.rows : changedRows(d.rows);
  const same = oneSide ? [] : d.rows.filter((r) => r.change === 'unchanged').map((r) => r.field);
  return (
    <>
    <table className="w-full table-fixed text-left text-sm" data-testid="field-diff">
      <caption className="sr-only">{oneSide ? `${oneSide === 'new' ? 'New' : 'Old'} value, field by field` : 'Old and new values, field by field'}</caption>
      <thead className="text-xs text-slate-600">
        <tr>
          <th scope="col" className="w-1/3 py-1 pr-2 font-medium">
            Field
          </th>
          {oneSide !== 'new' && (
            <th scope="col" className="py-1 pr-2 font-medium">
              Old
            </th>
          )}
          {oneSide !== 'old' && (
            <th scope="col" className="py-1 font-medium">
              New
            </th>
          )}
        </tr>
      </thead>
      <tbody className="divide-y divide-slate-100 align-top">
        {shown.length === 0 && (
          <tr>
            <td colSpan={3} className="py-1 text-slate-600">
              No field changed.
            </td>
          </tr>
        )}
        {shown.map((r) => (
          <tr key={r.field} data-change={r.change}>
            <th scope="row" className="py-1 pr-2 font-medium break-words text-slate-700">
              <span className="font-mono text-xs">{r.field}</span>
              {!oneSide && r.change !== 'unchanged' && (
                <span className={`ml-1 rounded px-1 py-px text-[10px] font-medium ring-1 ring-inset ${CHANGE[r.change].className}`}>{CHANGE[r.change].label}</span>
              )}
            </th>
            {oneSide !== 'new' && <td className={['py-1 pr-2', !oneSide && (r.change === 'removed' || r.change === 'changed') ? 'bg-red-50/40' : ''].join(' ')}>{cell(r.before)}</td>}
            {oneSide !== 'old' && <td className={['py-1', !oneSide && (r.change === 'added' || r.change === 'changed') ? 'bg-emerald-50/40' : ''].join(' ')}>{cell(r.after)}</td>}
          </tr>
        ))}
      </tbody>
    </table>
    {same.length > 0 && <p className="mt-1 text-xs text-slate-600">Unchanged: {same.join(', ')}.</p>}
    </>
  );
}
