/** Drift test (fastify style): every code the RPC layer sends is in ERROR_CODES, and each is documented. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { CODE, ERROR_CODES, INVOICE_ERROR_CODES, ParamError, RpcError, toRpcError } from '../../src/rpc/errors.js';
import { InvoiceError } from '../../src/invoice/errors.js';

const SRC = fileURLToPath(new URL('../../src/rpc/', import.meta.url));
const DOC = fileURLToPath(new URL('../../docs/rpc.md', import.meta.url));

function files(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? files(p) : p.endsWith('.ts') ? [p] : [];
  });
}

describe('error codes', () => {
  it('every CODE name and every kind mapping points into ERROR_CODES', () => {
    for (const c of [...Object.values(CODE), ...Object.values(INVOICE_ERROR_CODES)]) expect(ERROR_CODES).toHaveProperty(String(c));
  });

  it('src/rpc sends no code outside the table (CODE.X names exist; no numeric literals in new RpcError)', () => {
    for (const f of files(SRC)) {
      const text = readFileSync(f, 'utf8');
      for (const m of text.matchAll(/CODE\.([A-Z_0-9]+)/g)) expect(CODE, `${f}: CODE.${m[1]}`).toHaveProperty(m[1]!);
      for (const m of text.matchAll(/new RpcError\(\s*(-?\d+)/g)) expect(ERROR_CODES, `${f}: ${m[1]}`).toHaveProperty(m[1]!);
    }
  });

  it('every code is in the documented table of docs/rpc.md', () => {
    const doc = readFileSync(DOC, 'utf8');
    for (const [code, e] of Object.entries(ERROR_CODES)) expect(doc).toContain(`| ${code} | ${e.name} |`);
  });

  it('maps each InvoiceError kind with its data', () => {
    const inv = {
      label: 'l', invstring: 'lnbc1x', kind: 'bolt11' as const, payment_hash: new Uint8Array(32), status: 'expired' as const,
      payment_preimage: new Uint8Array(32).fill(9), expires_at: 5, created_index: 1, created_at: 1,
    };
    const e903 = toRpcError(new InvoiceError('ExpiredDuringWait', 'invoice expired during wait', { invoice: inv })) as RpcError;
    expect([e903.code, e903.message]).toEqual([903, 'invoice expired during wait']);
    expect(e903.data).toMatchObject({ label: 'l', bolt11: 'lnbc1x', status: 'expired' });
    expect(JSON.stringify(e903.data)).not.toContain('0909'); // no preimage unless paid
    const e906 = toRpcError(new InvoiceError('StatusUnexpected', 'Invoice status is paid not unpaid', { current_status: 'paid', expected_status: 'unpaid' })) as RpcError;
    expect([e906.code, e906.data]).toEqual([906, { current_status: 'paid', expected_status: 'unpaid' }]);
    expect(toRpcError(new InvoiceError('ShuttingDown', 'Shutting down'))).toMatchObject({ code: -5 });
    expect(toRpcError(new InvoiceError('Failed', 'Label not found'))).toMatchObject({ code: -1, data: undefined });
    // Engine messages are complete: `param` does not turn them into the binder's form.
    expect(toRpcError(new InvoiceError('InvalidParams', "Label 'x' over 128 bytes", { param: 'label' }))).toMatchObject({
      code: -32602,
      message: "Label 'x' over 128 bytes",
    });
    expect(toRpcError(new ParamError('string', 'bad'))).toBeInstanceOf(ParamError);
    expect(toRpcError(new Error('x'))).toMatchObject({ code: -32603, message: 'Internal error' });
  });
});
