/**
 * permessage-deflate negotiation as the client side plays it (RFC 7692 §5, §7.1): the
 * offers the peer puts in its handshake, and the strict check of the server's answer.
 * The answer must name exactly one permessage-deflate element whose parameters are
 * well-formed and acceptable for one of the offers, e.g. `server_max_window_bits` no
 * larger than requested and `client_max_window_bits` only if the offer allowed it.
 */

export interface DeflateOffer {
  /** The client accepts that the server forbids it context takeover (a hint the server may use). */
  clientNoContextTakeover?: boolean;
  /** `true`: the parameter without a value (the client accepts any limit); a number: with that value. */
  clientMaxWindowBits?: true | number;
  /** Ask the server not to use context takeover. */
  serverNoContextTakeover?: boolean;
  /** Ask the server to use an LZ77 window of at most 2^bits bytes. */
  serverMaxWindowBits?: number;
}

/** What was agreed: the effective parameters for both directions. */
export interface NegotiatedDeflate {
  /** Index of the first offer the answer is acceptable for. */
  offerIndex: number;
  /** The answer as received. */
  response: string;
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  /** Window the server compresses with at most (15 unless the answer says otherwise). */
  serverWindowBits: number;
  /** Window the client (this peer) must stay within (15 unless the answer says otherwise). */
  clientWindowBits: number;
}

export class DeflateNegotiationError extends Error {
  readonly code = 'PMD_UNACCEPTABLE_RESPONSE';
  constructor(message: string) {
    super(message);
    this.name = 'DeflateNegotiationError';
  }
}

export const EXTENSION_NAME = 'permessage-deflate';

/** The offer the Autobahn client builds from (requestNoContextTakeover, requestMaxWindowBits). */
export function autobahnOffer(requestNoContextTakeover: boolean, requestMaxWindowBits: number): DeflateOffer {
  return {
    clientNoContextTakeover: true,
    clientMaxWindowBits: true,
    ...(requestNoContextTakeover ? { serverNoContextTakeover: true } : {}),
    ...(requestMaxWindowBits !== 0 ? { serverMaxWindowBits: requestMaxWindowBits } : {}),
  };
}

/** One offer as a header element, parameters in the order the Autobahn client writes them. */
export function formatOffer(offer: DeflateOffer): string {
  const parts = [EXTENSION_NAME];
  if (offer.clientNoContextTakeover) parts.push('client_no_context_takeover');
  if (offer.clientMaxWindowBits === true) parts.push('client_max_window_bits');
  else if (offer.clientMaxWindowBits !== undefined) parts.push(`client_max_window_bits=${offer.clientMaxWindowBits}`);
  if (offer.serverNoContextTakeover) parts.push('server_no_context_takeover');
  if (offer.serverMaxWindowBits !== undefined) parts.push(`server_max_window_bits=${offer.serverMaxWindowBits}`);
  return parts.join('; ');
}

/** Several offers in one `Sec-WebSocket-Extensions` value, in order of preference. */
export function formatOffers(offers: readonly DeflateOffer[]): string {
  return offers.map(formatOffer).join(', ');
}

export interface ExtensionElement {
  name: string;
  params: Array<{ name: string; value: string | undefined }>;
}

const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * Parses a `Sec-WebSocket-Extensions` value (RFC 6455 §9.1): comma-separated elements of
 * `token *( ";" token [ "=" ( token / quoted-string ) ] )`. A quoted value must unquote
 * to a token. Throws DeflateNegotiationError on anything else.
 */
export function parseExtensions(header: string): ExtensionElement[] {
  const elements: ExtensionElement[] = [];
  let i = 0;
  const fail = (what: string): never => {
    throw new DeflateNegotiationError(`malformed Sec-WebSocket-Extensions ${JSON.stringify(header)}: ${what}`);
  };
  const skipSpace = () => {
    while (header[i] === ' ' || header[i] === '\t') i++;
  };
  const token = (what: string): string => {
    skipSpace();
    const start = i;
    while (i < header.length && /[!#$%&'*+\-.^_`|~0-9A-Za-z]/.test(header[i] as string)) i++;
    if (i === start) fail(`expected ${what} at offset ${start}`);
    return header.slice(start, i);
  };
  for (;;) {
    const element: ExtensionElement = { name: token('an extension name'), params: [] };
    skipSpace();
    while (header[i] === ';') {
      i++;
      const name = token('a parameter name');
      skipSpace();
      let value: string | undefined;
      if (header[i] === '=') {
        i++;
        skipSpace();
        if (header[i] === '"') {
          i++;
          let v = '';
          while (i < header.length && header[i] !== '"') {
            if (header[i] === '\\') i++;
            v += header[i] ?? '';
            i++;
          }
          if (header[i] !== '"') fail('unterminated quoted string');
          i++;
          if (!TOKEN.test(v)) fail(`quoted value ${JSON.stringify(v)} is not a token`);
          value = v;
        } else value = token('a parameter value');
        skipSpace();
      }
      element.params.push({ name, value });
    }
    elements.push(element);
    if (i >= header.length) break;
    if (header[i] !== ',') fail(`unexpected ${JSON.stringify(header[i])} at offset ${i}`);
    i++;
  }
  return elements;
}

/** RFC 7692 §7.1.2: a decimal integer from 8 to 15 without leading zeros. */
function windowBits(value: string | undefined, param: string): number {
  if (value === undefined || !/^(?:8|9|1[0-5])$/.test(value)) {
    throw new DeflateNegotiationError(
      `${param}=${value ?? '(no value)'} in the answer: the value must be an integer from 8 to 15 (RFC 7692 §7.1.2)`,
    );
  }
  return Number(value);
}

interface Answer {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number | undefined;
  clientMaxWindowBits: number | undefined;
}

function readAnswer(element: ExtensionElement): Answer {
  const answer: Answer = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: undefined,
    clientMaxWindowBits: undefined,
  };
  const seen = new Set<string>();
  for (const p of element.params) {
    const name = p.name.toLowerCase();
    if (seen.has(name)) throw new DeflateNegotiationError(`parameter ${name} appears twice (RFC 7692 §7.1)`);
    seen.add(name);
    switch (name) {
      case 'server_no_context_takeover':
      case 'client_no_context_takeover':
        if (p.value !== undefined) {
          throw new DeflateNegotiationError(`${name} must not have a value, got ${JSON.stringify(p.value)}`);
        }
        if (name === 'server_no_context_takeover') answer.serverNoContextTakeover = true;
        else answer.clientNoContextTakeover = true;
        break;
      case 'server_max_window_bits':
        answer.serverMaxWindowBits = windowBits(p.value, name);
        break;
      case 'client_max_window_bits':
        answer.clientMaxWindowBits = windowBits(p.value, name);
        break;
      default:
        throw new DeflateNegotiationError(`unknown parameter ${JSON.stringify(p.name)} (RFC 7692 §7.1)`);
    }
  }
  return answer;
}

/** Why `answer` cannot accept `offer`, or null when it can. */
function mismatch(offer: DeflateOffer, answer: Answer): string | null {
  if (offer.serverNoContextTakeover && !answer.serverNoContextTakeover) {
    return 'the offer asks for server_no_context_takeover and the answer lacks it (§7.1.1.1)';
  }
  if (offer.serverMaxWindowBits !== undefined) {
    if (answer.serverMaxWindowBits === undefined) {
      return `the offer asks for server_max_window_bits=${offer.serverMaxWindowBits} and the answer lacks it (§7.1.2.1)`;
    }
    if (answer.serverMaxWindowBits > offer.serverMaxWindowBits) {
      return `server_max_window_bits=${answer.serverMaxWindowBits} exceeds the ${offer.serverMaxWindowBits} offered (§7.1.2.1)`;
    }
  }
  if (answer.clientMaxWindowBits !== undefined) {
    if (offer.clientMaxWindowBits === undefined) {
      return 'client_max_window_bits in the answer, but the offer did not include it (§7.1.2.2)';
    }
    if (offer.clientMaxWindowBits !== true && answer.clientMaxWindowBits > offer.clientMaxWindowBits) {
      return `client_max_window_bits=${answer.clientMaxWindowBits} exceeds the ${offer.clientMaxWindowBits} offered (§7.1.2.2)`;
    }
  }
  return null;
}

/**
 * Checks the server's `Sec-WebSocket-Extensions` answer against the offers and returns
 * the effective parameters. Throws DeflateNegotiationError, naming the rule, when the
 * server declined (no answer), answered with anything but one permessage-deflate
 * element, or answered with parameters no offer allows.
 */
export function acceptDeflateResponse(offers: readonly DeflateOffer[], header: string | undefined): NegotiatedDeflate {
  const offered = formatOffers(offers);
  if (header === undefined || header.trim() === '') {
    throw new DeflateNegotiationError(
      `the server declined permessage-deflate (no Sec-WebSocket-Extensions) for ${offered}`,
    );
  }
  const elements = parseExtensions(header);
  if (elements.length !== 1) {
    throw new DeflateNegotiationError(
      `the answer ${JSON.stringify(header)} has ${elements.length} elements; only one permessage-deflate was offered`,
    );
  }
  const element = elements[0] as ExtensionElement;
  if (element.name.toLowerCase() !== EXTENSION_NAME) {
    throw new DeflateNegotiationError(`the server accepted ${JSON.stringify(element.name)}, which was not offered`);
  }
  let answer: Answer;
  try {
    answer = readAnswer(element);
  } catch (err) {
    throw new DeflateNegotiationError(`answer ${JSON.stringify(header)}: ${(err as Error).message}`);
  }
  const reasons: string[] = [];
  for (const [index, offer] of offers.entries()) {
    const why = mismatch(offer, answer);
    if (why === null) {
      return {
        offerIndex: index,
        response: header,
        serverNoContextTakeover: answer.serverNoContextTakeover,
        // §7.1.1.2: offering client_no_context_takeover tells the server the client will
        // not use context takeover, whether or not the answer repeats it.
        clientNoContextTakeover: answer.clientNoContextTakeover || offer.clientNoContextTakeover === true,
        serverWindowBits: answer.serverMaxWindowBits ?? 15,
        clientWindowBits: answer.clientMaxWindowBits ?? 15,
      };
    }
    reasons.push(`offer ${index + 1} (${formatOffer(offer)}): ${why}`);
  }
  throw new DeflateNegotiationError(
    `the answer ${JSON.stringify(header)} is not acceptable for any offer: ${reasons.join('; ')}`,
  );
}

/** One line for logs and reports. */
export function describeNegotiated(n: NegotiatedDeflate): string {
  const takeover = (no: boolean) => (no ? 'no context takeover' : 'context takeover');
  return (
    `server→peer: window 2^${n.serverWindowBits}, ${takeover(n.serverNoContextTakeover)}; ` +
    `peer→server: window 2^${n.clientWindowBits}, ${takeover(n.clientNoContextTakeover)} ` +
    `(answer ${JSON.stringify(n.response)}, offer ${n.offerIndex + 1})`
  );
}
