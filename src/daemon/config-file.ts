/**
 * `<datadir>/config`: one `key=value` per line, the same names as the command-line options without the
 * dashes. `#` starts a comment line; blank lines are ignored; a flag may stand alone (`developer`).
 * Pure: the caller reads the file. invoice-cli reads the same file to find the daemon's socket.
 */

/** One setting as read, with where it came from (for error messages). */
export interface ConfigEntry {
  readonly name: string;
  readonly value: string;
  /** `config line N` or `--name`. */
  readonly origin: string;
}

/** Thrown for a line that is not `key=value`. */
export class ConfigFileError extends Error {
  override readonly name = 'ConfigFileError';
}

/** Splits the config file's text into entries, in order (a later line overrides an earlier one). */
export function parseConfigFile(text: string, fileName = 'config'): ConfigEntry[] {
  const entries: ConfigEntry[] = [];
  const lines = text.split(/\r?\n/);
  lines.forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const origin = `${fileName} line ${i + 1}`;
    const eq = line.indexOf('=');
    const name = (eq < 0 ? line : line.slice(0, eq)).trim();
    const value = eq < 0 ? '' : line.slice(eq + 1).trim();
    if (!/^[a-z0-9][a-z0-9-]*$/.test(name)) {
      throw new ConfigFileError(`${origin}: expected key=value, got '${line}'`);
    }
    entries.push({ name, value, origin });
  });
  return entries;
}
