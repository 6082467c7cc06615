/**
 * The generated part of docs/rpc.md (STYLE 2): the command reference and the error table come from the
 * command table and `ERROR_CODES`, so they cannot drift. test/rpc/docs.test.ts checks the file holds
 * exactly this text between the markers (`UPDATE_DOCS=1` rewrites it).
 */
import type { Command } from './command.js';
import { ERROR_CODES } from './errors.js';

export const DOCS_BEGIN = '<!-- BEGIN GENERATED: do not edit; see src/rpc/docs.ts -->';
export const DOCS_END = '<!-- END GENERATED -->';

/** Type names shown for the parsers (their function names), in words. */
const TYPE_NAMES: Readonly<Record<string, string>> = {
  u64: 'u64',
  u32: 'u32',
  u64NonZero: 'u64, non-zero',
  bool: 'boolean',
  string: 'string',
  escapedString: 'string without `\\u` escapes',
  label: 'string or number',
  invstring: 'invoice string (`lightning:` stripped, lowercased)',
  sha256: '32-byte hex',
  preimage: '32-byte hex (secret: never logged)',
  amountMsat: 'msat amount',
  msatOrAny: 'msat amount > 0, or `"any"`',
  stringArray: 'array of strings',
  exposePrivateChannels: 'boolean, scid or array of scids',
  anyJson: 'any JSON',
};

/** The type of `c`'s parameter `name`, in words (from its parser). */
export function typeName(c: Command, name: string): string {
  const fn = c.params[name]!.parse.name;
  return TYPE_NAMES[fn] ?? (fn || 'JSON');
}

/** A parameter's default as JSON text ('' when none). */
export function defaultText(v: unknown): string {
  if (v === undefined) return '';
  return typeof v === 'bigint' ? v.toString() : JSON.stringify(v);
}

/** Markdown for every command: usage, description, params. */
export function renderCommandReference(commands: readonly Command[]): string {
  const out: string[] = ['### Commands', ''];
  for (const c of commands) {
    out.push(`#### \`${c.name}\``, '', '```', c.usage, '```', '');
    if (c.description) out.push(c.description, '');
    const names = Object.keys(c.params);
    if (names.length === 0) {
      out.push('No parameters.', '');
      continue;
    }
    out.push('| # | parameter | type | required | default |', '|---|---|---|---|---|');
    names.forEach((n, i) => {
      const spec = c.params[n]!;
      out.push(`| ${i} | \`${n}\` | ${typeName(c, n)} | ${spec.required ? 'yes' : 'no'} | ${defaultText(spec.default)} |`);
    });
    out.push('');
  }
  return out.join('\n');
}

/** Markdown table of every error code. */
export function renderErrorTable(): string {
  const rows = Object.entries(ERROR_CODES)
    .map(([code, e]) => [Number(code), e] as const)
    .sort((a, b) => a[0] - b[0]);
  return ['### Error codes', '', '| code | name | when |', '|---|---|---|', ...rows.map(([code, e]) => `| ${code} | ${e.name} | ${e.when} |`), ''].join('\n');
}

/** The whole generated block, markers included. */
export function renderGeneratedDocs(commands: readonly Command[]): string {
  return [DOCS_BEGIN, '', renderCommandReference(commands), renderErrorTable(), DOCS_END].join('\n');
}
