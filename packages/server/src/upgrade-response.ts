import { assertAcceptHeader } from '@websock/handshake';

/**
 * What the `upgrade` hook may add to the `101 Switching Protocols` response: extra headers,
 * e.g. `Set-Cookie` for a session made during the handshake. Names and values are checked as
 * they are set (a token name, no CR/LF or other control in values, not one of the headers the
 * handshake writes itself), so a mistake throws a `TypeError` at the line that made it; inside
 * the hook that answers the client 500 and reports the error, like any other failure there.
 */
export class UpgradeResponse {
  /** Lower-cased name → the name as given and its value(s). */
  readonly #headers = new Map<string, { name: string; value: string | readonly string[] }>();

  /**
   * Sets a header, replacing any value set before under the same name (case-insensitive).
   * An array writes one line per item (as `Set-Cookie` needs).
   */
  setHeader(name: string, value: string | readonly string[]): this {
    assertAcceptHeader(name, value);
    this.#headers.set(name.toLowerCase(), { name, value: typeof value === 'string' ? value : [...value] });
    return this;
  }

  /** Appends a value to a header (one more line), keeping those set before. */
  appendHeader(name: string, value: string): this {
    const previous = this.getHeader(name);
    if (previous === undefined) return this.setHeader(name, value);
    return this.setHeader(name, [...(typeof previous === 'string' ? [previous] : previous), value]);
  }

  getHeader(name: string): string | readonly string[] | undefined {
    return this.#headers.get(name.toLowerCase())?.value;
  }

  hasHeader(name: string): boolean {
    return this.#headers.has(name.toLowerCase());
  }

  removeHeader(name: string): void {
    this.#headers.delete(name.toLowerCase());
  }

  /** @internal The headers for `buildAcceptResponse`, undefined when none were set. */
  toHeaders(): Record<string, string | readonly string[]> | undefined {
    if (this.#headers.size === 0) return undefined;
    const headers: Record<string, string | readonly string[]> = {};
    for (const { name, value } of this.#headers.values()) headers[name] = value;
    return headers;
  }
}
