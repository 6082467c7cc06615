/**
 * PostgreSQL specifics. Several daemons may share one database, each with its own pool. Every write
 * transaction first takes a transaction-scoped advisory lock, held until COMMIT: index values are then
 * handed out by one transaction at a time and commit in index order, so a reader paging `index=created`
 * can never see index 7 before 6 commits. Waits wake across daemons through LISTEN/NOTIFY.
 */
import { CompiledQuery, sql, type Kysely } from 'kysely';
import type pg from 'pg';
import type { InvoiceDb } from '../schema.js';
import type { StoreDialect, UniqueViolation } from './types.js';

/** Advisory lock key for invoice index assignment ('invd' as a 32-bit integer). */
export const INDEX_LOCK_KEY = 0x696e7664;

/** BEGIN and the index lock, in one round trip. */
const BEGIN_LOCKED = CompiledQuery.raw(`begin; select pg_advisory_xact_lock(${INDEX_LOCK_KEY})`);

/** The NOTIFY channel for invoice events. */
export const NOTIFY_CHANNEL = 'invoiced_invoices';

/**
 * The PostgreSQL dialect over `pool`. `schema`, when set, scopes the notification channel so daemons on
 * different schemas of one server (tests) do not hear each other.
 */
export function postgresDialect(pool: pg.Pool, schema?: string): StoreDialect {
  const channel = schema ? `${NOTIFY_CHANNEL}_${schema}` : NOTIFY_CHANNEL;
  return Object.freeze({
    name: 'postgres' as const,
    // node-pg sends a query without parameters as a simple query, which may hold several statements.
    multiStatement: true,
    concurrentAtomic: true,
    // Every statement the server refused aborts the transaction (its errors carry a SQLSTATE and a
    // severity); an error the operation raised itself, after a statement that wrote nothing, does not.
    transactionLost(err: unknown): boolean {
      const e = err as { code?: unknown; severity?: unknown } | null;
      return typeof e?.code === 'string' && e.severity !== undefined;
    },
    async beginWrite(conn: Kysely<InvoiceDb>): Promise<void> {
      // One round trip: no parameters, so both go in one simple query.
      await conn.executeQuery(BEGIN_LOCKED);
    },
    uniqueViolation(err: unknown): UniqueViolation | undefined {
      const e = err as { code?: unknown; constraint?: unknown; table?: unknown } | null;
      if (e?.code !== '23505') return undefined;
      const constraint = String(e.constraint ?? '');
      if (constraint.includes('label')) return 'label';
      if (constraint.includes('payment_hash')) return 'payment_hash';
      if (e.table === 'invoice_htlcs') return 'htlc';
      return 'other';
    },
    async notify(conn: Kysely<InvoiceDb>, payload: string): Promise<void> {
      await sql`select pg_notify(${channel}, ${payload})`.execute(conn);
    },
    async listen(onPayload: (payload: string) => void, onRelisten?: () => void): Promise<() => Promise<void>> {
      const quoted = `"${channel.replace(/"/g, '""')}"`;
      let client: pg.PoolClient | undefined;
      let stopped = false;
      let retry: NodeJS.Timeout | undefined;
      /** Set once the first LISTEN succeeded: later ones resume after a loss. */
      let relistening = false;
      const handler = (msg: pg.Notification) => {
        if (msg.channel === channel && msg.payload !== undefined) onPayload(msg.payload);
      };
      const scheduleRetry = (): void => {
        if (stopped) return;
        retry = setTimeout(() => void connect().catch(scheduleRetry), 1000);
        retry.unref();
      };
      const connect = async (): Promise<void> => {
        const c = await pool.connect();
        c.on('notification', handler);
        // A dropped listening connection must not crash the daemon: drop it and listen again shortly.
        // Events sent meanwhile are missed: waits then wake on their own daemon's events only, and the
        // listener is told once listening resumes (the engine re-reads getinfo's counts).
        c.on('error', () => {
          c.off('notification', handler);
          c.release(true);
          if (client === c) client = undefined;
          scheduleRetry();
        });
        await c.query(`LISTEN ${quoted}`);
        if (stopped) {
          c.release();
          return;
        }
        client = c;
        if (relistening) onRelisten?.();
        relistening = true;
      };
      await connect();
      return async () => {
        stopped = true;
        if (retry) clearTimeout(retry);
        const c = client;
        client = undefined;
        if (!c) return;
        c.off('notification', handler);
        try {
          await c.query(`UNLISTEN ${quoted}`);
        } finally {
          c.release();
        }
      };
    },
  });
}
