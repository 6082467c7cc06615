/**
 * The text of `help COMMAND`: usage, what the command does, each parameter (type, required or default,
 * meaning) and the result. All of it comes from the command's declaration (command.ts): the words are
 * the `req`/`opt` meanings and the spec's `result`, beside the parsers that bind.
 */
import type { Command } from './command.js';
import { defaultText, typeName } from './docs.js';

/** Multi-line help for one command (after its usage line, which `help` gives as `command`). */
export function verboseHelp(c: Command): string {
  const lines: string[] = [];
  if (c.description) lines.push(c.description, '');
  const names = Object.keys(c.params);
  if (names.length === 0) lines.push('No parameters.');
  else {
    lines.push('Parameters:');
    for (const n of names) {
      const spec = c.params[n]!;
      const dflt = defaultText(spec.default);
      const need = spec.required ? 'required' : dflt !== '' ? `optional, default ${dflt}` : 'optional';
      lines.push(`  ${n} (${typeName(c, n)}; ${need}): ${spec.doc}`);
    }
  }
  lines.push('', `Result: ${c.result}`);
  return lines.join('\n');
}
