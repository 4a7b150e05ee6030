import { badRequest, RejectionCode } from './errors.js';
import { isToken, isTokenChar } from './grammar.js';

/** One element of `Sec-WebSocket-Extensions`: a name and its parameters, in order. A bare parameter has the value `true`. */
export interface ExtensionOffer {
  name: string;
  params: Array<[name: string, value: string | true]>;
}

/**
 * An extension's own negotiation policy (permessage-deflate implements it in its package).
 * `negotiate` receives every offer the client made for this extension, in the client's order of
 * preference, and returns the response element to accept one of them, or null to decline all.
 * It may throw a `HandshakeRejection` to refuse the handshake as a whole.
 */
export interface ExtensionNegotiator {
  readonly name: string;
  negotiate(offers: ExtensionOffer[]): ExtensionOffer | null;
}

function fail(message: string): never {
  throw badRequest(RejectionCode.InvalidExtensions, `Invalid Sec-WebSocket-Extensions header: ${message}`);
}

/** Tokenizer state for one field line. */
class Cursor {
  pos = 0;
  constructor(readonly text: string) {}

  get done(): boolean {
    return this.pos >= this.text.length;
  }

  peek(): number {
    return this.text.charCodeAt(this.pos);
  }

  skipOws(): void {
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos);
      if (c !== 0x20 && c !== 0x09) break;
      this.pos++;
    }
  }

  token(what: string): string {
    const start = this.pos;
    while (this.pos < this.text.length && isTokenChar(this.text.charCodeAt(this.pos))) this.pos++;
    if (this.pos === start) fail(`expected ${what} at offset ${start}`);
    return this.text.slice(start, this.pos);
  }

  // quoted-string = DQUOTE *( qdtext / quoted-pair ) DQUOTE (RFC 9110 §5.6.4)
  quoted(): string {
    const start = this.pos;
    this.pos++;
    let value = '';
    while (this.pos < this.text.length) {
      const c = this.text.charCodeAt(this.pos++);
      if (c === 0x22) return value;
      if (c === 0x5c) {
        if (this.pos >= this.text.length) break;
        const escaped = this.text.charCodeAt(this.pos++);
        if (!isQuotedPairChar(escaped)) fail(`invalid escaped character at offset ${this.pos - 1}`);
        value += String.fromCharCode(escaped);
      } else if (isQdtext(c)) {
        value += String.fromCharCode(c);
      } else {
        fail(`invalid character in quoted-string at offset ${this.pos - 1}`);
      }
    }
    return fail(`unterminated quoted-string at offset ${start}`);
  }
}

function isQdtext(c: number): boolean {
  return (
    c === 0x09 ||
    c === 0x20 ||
    c === 0x21 ||
    (c >= 0x23 && c <= 0x5b) ||
    (c >= 0x5d && c <= 0x7e) ||
    (c >= 0x80 && c <= 0xff)
  );
}

function isQuotedPairChar(c: number): boolean {
  return c === 0x09 || (c >= 0x20 && c <= 0x7e) || (c >= 0x80 && c <= 0xff);
}

function parseLine(line: string, out: ExtensionOffer[]): void {
  const cursor = new Cursor(line);
  for (;;) {
    cursor.skipOws();
    if (cursor.done) return;
    if (cursor.peek() === 0x2c) {
      // Empty list element: legal, ignored (RFC 9110 §5.6.1).
      cursor.pos++;
      continue;
    }
    const name = cursor.token('an extension name');
    const params: ExtensionOffer['params'] = [];
    cursor.skipOws();
    while (!cursor.done && cursor.peek() === 0x3b) {
      cursor.pos++;
      cursor.skipOws();
      const param = cursor.token('a parameter name');
      cursor.skipOws();
      let value: string | true = true;
      if (!cursor.done && cursor.peek() === 0x3d) {
        cursor.pos++;
        cursor.skipOws();
        if (!cursor.done && cursor.peek() === 0x22) {
          const at = cursor.pos;
          value = cursor.quoted();
          // RFC 6455 §9.1: the unescaped value of a quoted-string must itself be a token.
          if (!isToken(value)) fail(`quoted value at offset ${at} is not a token after unquoting`);
        } else {
          value = cursor.token('a parameter value');
        }
        cursor.skipOws();
      }
      params.push([param, value]);
    }
    out.push({ name, params });
    if (cursor.done) return;
    if (cursor.peek() !== 0x2c) fail(`unexpected character at offset ${cursor.pos}`);
    cursor.pos++;
  }
}

/**
 * Parses `Sec-WebSocket-Extensions` (RFC 6455 §9.1, RFC 9110 tokens and quoted-strings) over all
 * its field lines, keeping every element in order: the same extension offered several times
 * stays several offers, parameters keep their order and repeats (judging them is the
 * extension's job). Quoted values are returned unquoted. Malformed → `HandshakeRejection` 400.
 */
export function parseExtensionHeader(value: string | readonly string[] | undefined): ExtensionOffer[] {
  const out: ExtensionOffer[] = [];
  if (value === undefined) return out;
  if (typeof value === 'string') parseLine(value, out);
  else for (const line of value) parseLine(line, out);
  return out;
}

/**
 * Serializes extension elements for a request or response header (`a; p; q=1, b`). Names and
 * values must be tokens (RFC 6455 §9.1 allows nothing else, even quoted): anything else is a
 * `TypeError`, which also rules out header injection.
 */
export function serializeExtensions(offers: readonly ExtensionOffer[]): string {
  const parts: string[] = [];
  for (const offer of offers) {
    if (!isToken(offer.name)) throw new TypeError(`Invalid extension name: ${JSON.stringify(offer.name)}`);
    let part = offer.name;
    for (const [name, value] of offer.params) {
      if (!isToken(name))
        throw new TypeError(`Invalid parameter name for extension ${offer.name}: ${JSON.stringify(name)}`);
      if (value === true) {
        part += `; ${name}`;
      } else if (typeof value === 'string' && isToken(value)) {
        part += `; ${name}=${value}`;
      } else {
        throw new TypeError(`Invalid value for parameter ${name} of extension ${offer.name}: ${JSON.stringify(value)}`);
      }
    }
    parts.push(part);
  }
  return parts.join(', ');
}

/**
 * Runs each extension's policy over the client's offers. Offers are grouped by extension name
 * (exact match); each negotiator sees all offers for its name and may accept one. The accepted
 * elements come back in the order the client first offered each extension, ready for
 * `serializeExtensions`. Extensions without a negotiator are declined silently, as RFC 6455 wants.
 */
export function negotiateExtensions(
  offers: readonly ExtensionOffer[],
  negotiators: readonly ExtensionNegotiator[],
): ExtensionOffer[] {
  const byName = new Map<string, ExtensionNegotiator>();
  for (const negotiator of negotiators) {
    if (byName.has(negotiator.name)) throw new TypeError(`Two negotiators for extension ${negotiator.name}`);
    byName.set(negotiator.name, negotiator);
  }
  const grouped = new Map<string, ExtensionOffer[]>();
  for (const offer of offers) {
    if (!byName.has(offer.name)) continue;
    const group = grouped.get(offer.name);
    if (group === undefined) grouped.set(offer.name, [offer]);
    else group.push(offer);
  }
  const accepted: ExtensionOffer[] = [];
  for (const [name, group] of grouped) {
    const response = byName.get(name)!.negotiate(group);
    if (response === null) continue;
    if (response.name !== name) {
      throw new TypeError(`Negotiator for ${name} answered with extension ${JSON.stringify(response.name)}`);
    }
    accepted.push(response);
  }
  return accepted;
}
