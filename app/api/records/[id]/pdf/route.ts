import { Readable } from 'node:stream';
import { requireUser } from '@/lib/auth/require-user';
import { getDb } from '@/lib/db/client';
import { toErrorResponse } from '@/lib/http/error-response';
import { getRecord } from '@/lib/records/get-record';
import { renderRecordPdf } from '@/lib/records/render-record-pdf';
import { contentLabel, displayValue, orderedContent } from '@/app/records/kind-fields';

export const dynamic = 'force-dynamic';

/** The printed record (21 CFR 11.50: manifestations on paper too), streamed as it is drawn. */
export async function GET(_req: Request, ctx: { params: Promise<{ id: string }> }): Promise<Response> {
  try {
    const user = await requireUser();
    const { id } = await ctx.params;
    const record = await getRecord(getDb(), user, id);
    const current = record.versions.find((v) => v.version === record.currentVersion) ?? record.versions.at(-1)!;
    // Labels and order as on the record page (app/records/kind-fields.ts), not the stored keys.
    const fields = orderedContent(record.kind, current.content).map(([k, v]) => ({
      label: contentLabel(record.kind, k, current.content),
      value: displayValue(record.kind, k, v, current.content),
    }));
    const doc = renderRecordPdf(record, { printedBy: `${user.displayName} (${user.employeeId})`, printedAt: new Date() }, fields);
    const body = Readable.toWeb(doc) as unknown as ReadableStream<Uint8Array>;
    return new Response(body, {
      headers: {
        'content-type': 'application/pdf',
        // Record numbers are [A-Z]+-digits: safe inside the quoted filename.
        'content-disposition': `inline; filename="${record.number}.pdf"`,
        'cache-control': 'no-store',
      },
    });
  } catch (e) {
    return toErrorResponse(e);
  }
}
