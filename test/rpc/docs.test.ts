/**
 * docs/rpc.md's command reference and error table are generated from the command table (STYLE 2).
 * `UPDATE_DOCS=1 npx vitest run test/rpc/docs.test.ts` rewrites the generated block.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { DOCS_BEGIN, DOCS_END, renderGeneratedDocs } from '../../src/rpc/docs.js';
import { INVOICE_COMMANDS } from '../../src/rpc/index.js';

const DOC = fileURLToPath(new URL('../../docs/rpc.md', import.meta.url));

describe('docs/rpc.md', () => {
  it('holds exactly the generated command reference and error table', () => {
    const text = readFileSync(DOC, 'utf8');
    const a = text.indexOf(DOCS_BEGIN);
    const b = text.indexOf(DOCS_END);
    expect(a).toBeGreaterThanOrEqual(0);
    expect(b).toBeGreaterThan(a);
    const generated = renderGeneratedDocs(INVOICE_COMMANDS);
    const current = text.slice(a, b + DOCS_END.length);
    if (process.env['UPDATE_DOCS'] === '1' && current !== generated) {
      writeFileSync(DOC, text.slice(0, a) + generated + text.slice(b + DOCS_END.length));
      return;
    }
    expect(current).toBe(generated);
  });

  it('documents every command by name in the prose too', () => {
    const text = readFileSync(DOC, 'utf8');
    const prose = text.slice(0, text.indexOf(DOCS_BEGIN));
    for (const c of INVOICE_COMMANDS) expect(prose.includes(`\`${c.name}\``) || prose.includes(`\`${c.name} `), c.name).toBe(true);
  });
});
