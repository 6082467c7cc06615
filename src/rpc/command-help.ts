/**
 * The text of `help COMMAND`: usage, what the command does, each parameter (type, required or default,
 * meaning) and the result. Everything but the words comes from the command's declaration; the words are
 * in command-docs.ts.
 */
import type { Command } from './command.js';
import { COMMAND_DOCS, paramMeaning } from './command-docs.js';
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
      const meaning = paramMeaning(c.name, n);
      lines.push(`  ${n} (${typeName(c, n)}; ${need})${meaning ? `: ${meaning}` : ''}`);
    }
  }
  const result = COMMAND_DOCS[c.name]?.result;
  if (result) lines.push('', `Result: ${result}`);
  return lines.join('\n');
}
