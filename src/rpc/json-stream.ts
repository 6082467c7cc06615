/**
 * A result too large to build as one string (`listinvoices` over every invoice): an object with one array
 * member, `{"KEY":[...]}`, whose items come page by page. The server pulls the next piece only when the
 * client's socket has taken the previous ones, so a client that does not read holds one page, not the
 * whole answer, and the database is read no faster than the client reads.
 */
import { applyFilter, type Filter } from './filter.js';
import { writeJson } from './json-writer.js';

/** Pages of items, in order; an empty page is allowed. */
export type Pages = AsyncIterator<readonly unknown[], void>;

export class JsonStream {
  private started = false;
  private any = false;
  private done = false;

  constructor(
    /** The array member's name. */
    readonly key: string,
    private readonly pages: Pages,
    private readonly map: (item: unknown) => unknown = (x) => x,
  ) {}

  /**
   * The stream a filter leaves: items filtered one by one when the filter keeps `KEY` as an array (the
   * usual `{"invoices":[{...}]}`); undefined when the filter has another shape (the caller then builds
   * the whole result and filters it as any other).
   */
  filtered(filter: Filter): JsonStream | undefined {
    if (filter === true) return this;
    if (filter.kind !== 'object' || filter.fields.size !== 1) return undefined;
    const sub = filter.fields.get(this.key);
    if (sub === undefined || sub === true || sub.kind !== 'array') return undefined;
    const element = sub.element;
    return new JsonStream(this.key, this.pages, (item) => applyFilter(this.map(item), element));
  }

  /** The next piece of the result's JSON text, or undefined after the last. */
  async next(): Promise<string | undefined> {
    if (this.done) return undefined;
    let out = '';
    if (!this.started) {
      this.started = true;
      out = `{${JSON.stringify(this.key)}:[`;
    }
    const page = await this.pages.next();
    if (page.done) {
      this.done = true;
      return out + ']}';
    }
    for (const item of page.value) {
      if (this.any) out += ',';
      this.any = true;
      out += writeJson(this.map(item));
    }
    return out;
  }

  /** The whole text (in-process calls, tests). */
  async text(): Promise<string> {
    let out = '';
    for (let s = await this.next(); s !== undefined; s = await this.next()) out += s;
    return out;
  }

  /** Stops early (the connection went away): lets the pages release what they hold. */
  async cancel(): Promise<void> {
    this.done = true;
    await this.pages.return?.();
  }
}
