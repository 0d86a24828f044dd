import type pg from 'pg';

// Statements of one transaction sent without waiting for each other's answers, on a client in
// node-postgres pipeline mode (getIngestPgPool): the server runs them one after the other, in
// order, each with its own snapshot, exactly as if each had been awaited — but a transaction of
// a dozen statements costs three round trips instead of a dozen. On a client that does not
// pipeline, the same calls run one after the other (each sent when the one before answered).
//
// After a failed statement PostgreSQL refuses the rest of the transaction (25P02) and a
// pipelined COMMIT behind it answers ROLLBACK: `barrier()` reports the FIRST failure, in the
// order sent, once every statement sent so far has answered, and `commit()` insists on COMMIT.

export type TPipelineClient = pg.ClientBase & { pipeline?: boolean };

/** One statement at a time, each awaited: what the rare statements of a pipelined batch use. */
export interface TSqlClient {
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
}

const noop = () => undefined;

// A statement with parameters is prepared once per connection, under a name of its own, and
// later only bound and executed: PostgreSQL parses and plans the batch's dozen statements once,
// not once per batch. Statements are named by their text, at most MAX_NAMED per connection (a
// text made of values would otherwise prepare without end); beyond that they go unnamed.
const MAX_NAMED = 64;
const names = new WeakMap<object, Map<string, string>>();

function statementName(client: TPipelineClient, text: string): string | undefined {
  let m = names.get(client);
  if (!m) names.set(client, (m = new Map()));
  const known = m.get(text);
  if (known !== undefined || m.size >= MAX_NAMED) return known;
  const name = `custos_pl_${m.size + 1}`;
  m.set(text, name);
  return name;
}

export class Pipeline {
  private sent: Array<Promise<unknown>> = [];
  private tail: Promise<unknown> = Promise.resolve();

  constructor(private readonly client: TPipelineClient) {}

  /** Whether the statements really travel together (the client is in pipeline mode). */
  get pipelined(): boolean {
    return this.client.pipeline === true;
  }

  /** Sends a statement; its answer arrives at the next barrier at the latest. */
  send<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>> {
    let p: Promise<pg.QueryResult<R>>;
    const query = values === undefined ? text : { text, values, name: statementName(this.client, text) };
    if (this.pipelined) p = this.client.query<R>(query);
    else {
      // One at a time; a statement after a failed one is not sent at all.
      p = this.tail.then(() => this.client.query<R>(query));
      this.tail = p;
    }
    p.catch(noop);
    this.sent.push(p);
    return p;
  }

  /** The same pipeline as a client whose every statement is awaited (with what was sent before it). */
  awaited(): TSqlClient {
    return {
      query: async <R extends pg.QueryResultRow>(text: string, values?: unknown[]) => {
        const r = this.send<R>(text, values);
        await this.barrier();
        return r;
      },
    };
  }

  /** Waits for every statement sent so far; throws the first failure in the order they were sent. */
  async barrier(): Promise<void> {
    const sent = this.sent;
    this.sent = [];
    const settled = await Promise.allSettled(sent);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /** Waits until every statement sent so far has answered, whatever the answer (before a ROLLBACK). */
  async settle(): Promise<void> {
    const sent = this.sent;
    this.sent = [];
    await Promise.allSettled(sent);
  }

  /** COMMIT behind what was sent, and the barrier; a COMMIT that the server answered ROLLBACK is an error. */
  async commit(): Promise<void> {
    const c = this.send('COMMIT');
    await this.barrier();
    const tag = (await c).command;
    if (tag !== 'COMMIT') throw new Error(`the transaction was not committed (the server answered ${tag})`);
  }
}
