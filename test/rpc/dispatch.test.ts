import { describe, expect, it } from 'vitest';
import { dispatch, type DispatchEnv } from '../../src/rpc/dispatch.js';
import { parseJson } from '../../src/rpc/json-reader.js';
import { INVOICE_COMMANDS } from '../../src/rpc/index.js';
import { makeHarness } from './harness.js';

function env(): { env: DispatchEnv; h: ReturnType<typeof makeHarness> } {
  const h = makeHarness();
  return { h, env: { commands: new Map(INVOICE_COMMANDS.map((c) => [c.name, c])), context: h.context, logger: h.context.logger } };
}

async function send(text: string) {
  const { env: e } = env();
  const out = await dispatch(parseJson(text), e, new AbortController().signal);
  return { ...out, response: JSON.parse(out.text) as Record<string, unknown> };
}

describe('request validation, in CLN order (reference §1.3)', () => {
  it.each([
    // [request, id, code, message, hangup]
    ['{"id":1,"method":"getinfo","params":[]}', null, -32600, 'JSON-RPC message does not contain "jsonrpc" field: \'{"id":1,"method":"getinfo","params":[]}\'', true],
    ['[{"jsonrpc":"2.0","id":1,"method":"getinfo","params":[]}]', null, -32600, 'JSON-RPC message does not contain "jsonrpc" field: \'[{"jsonrpc":"2.0","id":1,"method":"getinfo","params":[]}]\'', true],
    ['{"jsonrpc":"2.0","method":"getinfo","params":[]}', null, -32600, 'No id', false],
    ['{"jsonrpc":"2.0","id":{"a":1},"method":"getinfo","params":[]}', null, -32600, 'Expected string/primitive for id', false],
    ['{"jsonrpc":"2.0","id":[1],"method":"getinfo","params":[]}', null, -32600, 'Expected string/primitive for id', false],
    ['{"jsonrpc":"1.0","id":7,"method":"getinfo","params":[]}', null, -32600, 'jsonrpc: "2.0" must be specified in the request', false],
    ['{"jsonrpc":2.0,"id":7,"method":"getinfo","params":[]}', null, -32600, 'jsonrpc: "2.0" must be specified in the request', false],
    ['{"jsonrpc":"2.0","id":7,"params":[]}', 7, -32600, 'No method', false],
    ['{"jsonrpc":"2.0","id":7,"method":"getinfo"}', 7, -32600, 'No params', false],
    ['{"jsonrpc":"2.0","id":7,"method":5,"params":[]}', 7, -32600, 'Expected string for method', false],
    ['{"jsonrpc":"2.0","id":"x","method":"nosuch","params":[]}', 'x', -32601, "Unknown command 'nosuch'", false],
    ['{"jsonrpc":"2.0","id":7,"method":"getinfo","params":[],"filter":[]}', 7, -32602, "filter: Expected object: invalid token '[]'", false],
    ['{"jsonrpc":"2.0","id":7,"method":"getinfo","params":[],"filter":{"id":false}}', 7, -32602, 'filter: value must be true: invalid token \'{"id":false}\'', false],
    ['{"jsonrpc":"2.0","id":7,"method":"getinfo","params":[],"filter":{"a":[true,true]}}', 7, -32602, 'filter: Arrays can only have one element: invalid token \'{"a":[true,true]}\'', false],
    ['{"jsonrpc":"2.0","id":7,"method":"getinfo","params":"x"}', 7, -32602, 'Expected array or object for params', false],
    ['{"jsonrpc":"2.0","id":7,"method":"getinfo","params":[1]}', 7, -32602, 'too many parameters: got 1, expected 0', false],
  ])('%s', async (req, id, code, message, hangup) => {
    const r = await send(req);
    expect(r.response).toEqual({ jsonrpc: '2.0', id, error: { code, message } });
    expect(r.hangup).toBe(hangup);
  });

  it('checks id before jsonrpc version, and method before params', async () => {
    expect((await send('{"jsonrpc":"1.0","method":"x"}')).response['error']).toEqual({ code: -32600, message: 'No id' });
    expect((await send('{"jsonrpc":"2.0","id":1}')).response['error']).toEqual({ code: -32600, message: 'No method' });
  });

  it('echoes the id token verbatim (string, number, big number, null, bool)', async () => {
    for (const id of ['"cli:getinfo#1/cln:x#2"', '18446744073709551617', '1.50', 'null', 'true', '"\\u00e9"']) {
      const { text } = await send(`{"jsonrpc":"2.0","id":${id},"method":"getinfo","params":{}}`);
      expect(text.startsWith(`{"jsonrpc":"2.0","id":${id},"result":{`)).toBe(true);
    }
  });

  it('logs one debug line per request with method, id, duration and outcome', async () => {
    const { env: e, h } = env();
    await dispatch(parseJson('{"jsonrpc":"2.0","id":"a","method":"getinfo","params":[]}'), e, new AbortController().signal);
    await dispatch(parseJson('{"jsonrpc":"2.0","id":"b","method":"nosuch","params":[]}'), e, new AbortController().signal);
    const lines = h.logLines.filter((l) => l['msg'] === 'rpc request');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatchObject({ level: 20, method: 'getinfo', id: '"a"' });
    expect(lines[0]!['error_code']).toBeUndefined();
    expect(typeof lines[0]!['duration_ms']).toBe('number');
    expect(lines[1]).toMatchObject({ method: 'nosuch', id: '"b"', error_code: -32601 });
  });

  it('a throwing onRequest hook does not disturb the response', async () => {
    const { env: e } = env();
    const withHook: DispatchEnv = { ...e, onRequest: () => { throw new Error('hook'); } };
    const out = await dispatch(parseJson('{"jsonrpc":"2.0","id":1,"method":"help","params":["stop"]}'), withHook, new AbortController().signal);
    expect(JSON.parse(out.text)).toMatchObject({ jsonrpc: '2.0', id: 1, result: { help: [{ command: 'stop' }], 'format-hint': 'simple' } });
  });

  it('turns an unexpected handler failure into -32603 and logs it without params', async () => {
    const { env: e, h } = env();
    h.engine.liveCounts = () => {
      throw new TypeError('boom');
    };
    const out = await dispatch(parseJson('{"jsonrpc":"2.0","id":1,"method":"getinfo","params":[]}'), e, new AbortController().signal);
    expect(JSON.parse(out.text)).toEqual({ jsonrpc: '2.0', id: 1, error: { code: -32603, message: 'Internal error' } });
    expect(h.logLines.some((l) => l['msg'] === 'rpc handler failed' && (l['err'] as { message: string }).message === 'boom')).toBe(true);
  });
});
