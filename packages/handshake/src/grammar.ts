// HTTP grammar pieces shared by every parser and writer of this package (RFC 9110 §5.6).

// Host = uri-host [ ":" port ], uri-host being an IP literal, IPv4 or reg-name: unreserved,
// pct-encoded and sub-delims characters. SP and controls can only come from a bad or joined field.
export const HOST_SYNTAX = /^[A-Za-z0-9\-._~%!$&'()*+,;=:[\]]+$/;

/** Header bags as node:http gives them: lower-cased names, a string or (set-cookie) an array. */
export type IncomingHeaders = Readonly<Record<string, string | string[] | undefined>>;

// tchar = "!" / "#" / "$" / "%" / "&" / "'" / "*" / "+" / "-" / "." / "^" / "_" / "`" / "|" / "~" / DIGIT / ALPHA
const TCHAR = new Uint8Array(128);
for (let c = 0x30; c <= 0x39; c++) TCHAR[c] = 1;
for (let c = 0x41; c <= 0x5a; c++) TCHAR[c] = 1;
for (let c = 0x61; c <= 0x7a; c++) TCHAR[c] = 1;
for (const ch of "!#$%&'*+-.^_`|~") TCHAR[ch.charCodeAt(0)] = 1;

export function isTokenChar(code: number): boolean {
  return code < 128 && TCHAR[code] === 1;
}

/** `token = 1*tchar` */
export function isToken(value: string): boolean {
  if (value.length === 0) return false;
  for (let i = 0; i < value.length; i++) {
    if (!isTokenChar(value.charCodeAt(i))) return false;
  }
  return true;
}

function isOws(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

/** Strips optional whitespace (SP / HTAB only: other whitespace is not OWS). */
export function trimOws(value: string): string {
  let start = 0;
  let end = value.length;
  while (start < end && isOws(value.charCodeAt(start))) start++;
  while (end > start && isOws(value.charCodeAt(end - 1))) end--;
  return start === 0 && end === value.length ? value : value.slice(start, end);
}

/**
 * Splits a `#element` list. Empty elements are skipped, as RFC 9110 §5.6.1 requires of
 * recipients (`a, , b` and a trailing comma are legal). Only for lists whose elements cannot
 * contain commas (tokens): lists with quoted-strings have their own tokenizer.
 */
export function splitList(value: string): string[] {
  const out: string[] = [];
  for (const part of value.split(',')) {
    const element = trimOws(part);
    if (element.length > 0) out.push(element);
  }
  return out;
}

/** Every field line of a header: an array (repeated header) or one string; none when absent. */
export function headerValues(headers: IncomingHeaders, name: string): string[] {
  const value = headers[name];
  if (value === undefined) return [];
  return typeof value === 'string' ? [value] : value;
}

/** The elements of a comma-list header over all its field lines. */
export function headerList(headers: IncomingHeaders, name: string): string[] {
  const out: string[] = [];
  for (const line of headerValues(headers, name)) out.push(...splitList(line));
  return out;
}

/**
 * A header that must appear once. `undefined` when absent, `null` when given as an array of
 * more than one line (a duplicate), else the value without surrounding OWS. Note that node:http
 * joins most duplicates into one string with ', ': callers must check the value's own syntax.
 */
export function singleHeader(headers: IncomingHeaders, name: string): string | null | undefined {
  const value = headers[name];
  if (value === undefined) return undefined;
  if (typeof value === 'string') return trimOws(value);
  if (value.length === 0) return undefined;
  if (value.length > 1) return null;
  return trimOws(value[0]!);
}

/** ASCII case-insensitive membership of a token in a list. */
export function containsToken(list: readonly string[], token: string): boolean {
  const wanted = token.toLowerCase();
  for (const element of list) {
    if (element.length === wanted.length && element.toLowerCase() === wanted) return true;
  }
  return false;
}

export function assertHeaderName(name: string): void {
  if (!isToken(name)) throw new TypeError(`Invalid HTTP header name: ${JSON.stringify(name)}`);
}

/**
 * Header values we write may hold only HTAB, SP and visible ASCII. CR and LF would let a value
 * smuggle extra header lines or a whole response (header injection); NUL and other controls are
 * rejected by strict peers; non-ASCII has no single byte encoding once the head is written as UTF-8.
 */
export function assertHeaderValue(name: string, value: string): void {
  if (typeof value !== 'string') throw new TypeError(`Header ${name} must have a string value`);
  for (let i = 0; i < value.length; i++) {
    const c = value.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c > 0x7e) {
      const what = c === 0x0d || c === 0x0a ? 'CR or LF (header injection)' : `character U+${hex4(c)}`;
      throw new TypeError(`Invalid value for header ${name}: contains ${what}`);
    }
  }
}

function hex4(code: number): string {
  return code.toString(16).toUpperCase().padStart(4, '0');
}

/** Appends `Name: value\r\n` lines for user-supplied headers, checked for injection. */
export function appendHeaderLines(
  lines: string[],
  headers: Readonly<Record<string, string | readonly string[]>> | undefined,
  reserved: ReadonlySet<string>,
): void {
  if (headers === undefined) return;
  for (const [name, value] of Object.entries(headers)) {
    assertHeaderName(name);
    if (reserved.has(name.toLowerCase())) {
      throw new TypeError(`Header ${name} is set by the handshake itself and cannot be given as an extra header`);
    }
    const values = typeof value === 'string' ? [value] : value;
    for (const v of values) {
      assertHeaderValue(name, v);
      lines.push(`${name}: ${v}\r\n`);
    }
  }
}
