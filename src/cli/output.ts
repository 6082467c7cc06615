/**
 * invoice-cli's output formats, each as lightning-cli prints them (reference §9): pretty JSON with a
 * three-space indent (default, `-J`), the raw token (`-R`), human `key=value` lines (`-H`), flat
 * `a.b[0].c=value` lines (`-F`), and the sorted command list for a bare `help`. Token text is printed as
 * received, so numbers and escapes are exactly the daemon's.
 */
import type { JsonNode } from './json-tree.js';

export type OutputFormat = 'json' | 'raw' | 'human' | 'flat' | 'helplist';

/** Pretty JSON: each level indented three more spaces, keys in the daemon's order. */
export function prettyJson(node: JsonNode, indent = ''): string {
  const next = indent + '   ';
  switch (node.kind) {
    case 'string':
    case 'primitive':
      return node.raw;
    case 'array':
      if (node.items.length === 0) return '[]';
      return `[\n${node.items.map((n) => next + prettyJson(n, next)).join(',\n')}\n${indent}]`;
    case 'object':
      if (node.entries.length === 0) return '{}';
      return `{\n${node.entries.map((e) => `${next}${e.key.raw}: ${prettyJson(e.value, next)}`).join(',\n')}\n${indent}}`;
  }
}

/** A string token's content without quotes, `\n` and `\t` expanded and other backslashes dropped. */
function humanText(node: JsonNode): string {
  const s = node.kind === 'string' ? node.raw.slice(1, -1) : node.raw;
  let out = '';
  for (let i = 0; i < s.length; i++) {
    if (s[i] === '\\' && i + 1 < s.length) {
      const n = s[i + 1];
      i++;
      if (n === 'n') out += '\n';
      else if (n === 't') out += '\t';
      else out += n;
      continue;
    }
    out += s[i];
  }
  return out;
}

/** `-H`: top-level `key=value` lines; single-field objects elided; arrays one item per line. */
export function humanReadable(node: JsonNode, term = '\n'): string {
  switch (node.kind) {
    case 'string':
    case 'primitive':
      return humanText(node) + term;
    case 'array':
      return node.items.map((n) => humanReadable(n, '\n')).join('');
    case 'object':
      if (node.entries.length === 1) return humanReadable(node.entries[0]!.value, '\n');
      return node.entries.map((e) => humanReadable(e.key, '=') + humanReadable(e.value, '\n')).join('');
  }
}

/** `-F`: one `path=value` line per leaf, the value's token text without quotes. */
export function flatJson(node: JsonNode, prefix = ''): string {
  switch (node.kind) {
    case 'string':
      return `${prefix}=${node.raw.slice(1, -1)}\n`;
    case 'primitive':
      return `${prefix}=${node.raw}\n`;
    case 'array':
      return node.items.map((n, i) => flatJson(n, `${prefix}[${i}]`)).join('');
    case 'object':
      return node.entries
        .map((e) => {
          const k = e.key.raw.slice(1, -1);
          return flatJson(e.value, prefix === '' ? k : `${prefix}.${k}`);
        })
        .join('');
  }
}

/** A bare `help`: commands sorted by name, each followed by a blank line, then a pointer to `help <command>`. */
export function helpList(result: JsonNode): string {
  const help = result.kind === 'object' ? result.entries.find((e) => e.key.raw === '"help"')?.value : undefined;
  const items = help?.kind === 'array' ? [...help.items] : [];
  const field = (n: JsonNode, name: string) =>
    n.kind === 'object' ? n.entries.find((e) => e.key.raw === `"${name}"`)?.value : undefined;
  const text = (n: JsonNode | undefined) => (n ? humanText(n) : '');
  items.sort((a, b) => {
    const ca = text(field(a, 'category'));
    const cb = text(field(b, 'category'));
    if (ca !== cb) return ca < cb ? -1 : 1;
    const na = text(field(a, 'command'));
    const nb = text(field(b, 'command'));
    return na < nb ? -1 : na > nb ? 1 : 0;
  });
  let out = '';
  for (const item of items) {
    const cmd = field(item, 'command');
    if (cmd) out += humanReadable(cmd, '\n') + '\n';
  }
  return out + '---\nrun `invoice-cli help <command>` for more information on a specific command\n';
}

/** Removes `format-hint` from a result; says whether it asked for the simple (human) form. */
export function takeFormatHint(result: JsonNode): { result: JsonNode; simple: boolean } {
  if (result.kind !== 'object') return { result, simple: false };
  const hint = result.entries.find((e) => e.key.raw === '"format-hint"');
  if (!hint) return { result, simple: false };
  return {
    result: { ...result, entries: result.entries.filter((e) => e !== hint) },
    simple: hint.value.raw === '"simple"',
  };
}

/** Prints a successful result in `format`. */
export function formatResult(result: JsonNode, format: OutputFormat): string {
  switch (format) {
    case 'json':
      return prettyJson(result) + '\n';
    case 'raw':
      return result.raw + '\n';
    case 'human':
      return humanReadable(result, '\n');
    case 'flat':
      return flatJson(result);
    case 'helplist':
      return helpList(result);
  }
}
