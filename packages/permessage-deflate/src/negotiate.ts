// Negotiation of permessage-deflate (RFC 7692 §7.1), both roles. Pure: no zlib, no Node
// built-ins, so a handshake layer can import it alone (`@websock/permessage-deflate/negotiate`).
import type { ExtensionNegotiator, ExtensionOffer } from '@websock/handshake';
import { DeflateNegotiationError } from './errors.js';
import {
  assertWindowBits,
  EXTENSION_NAME,
  MAX_WINDOW_BITS,
  type NegotiatedParams,
  type NegotiationOptions,
} from './options.js';

export { DeflateErrorCode, DeflateNegotiationError } from './errors.js';
export type { NegotiatedParams, NegotiationOptions } from './options.js';
export { EXTENSION_NAME, MAX_WINDOW_BITS, MIN_WINDOW_BITS } from './options.js';

/** What the server answers and the parameters that answer puts in force. */
export interface NegotiationResult {
  /** The `Sec-WebSocket-Extensions` element to send back (serialize it with `serializeExtensions`). */
  readonly response: ExtensionOffer;
  readonly params: NegotiatedParams;
}

/** The four RFC 7692 parameters of one offer or response element, once checked. */
interface ElementParams {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number | undefined;
  /** `true` when given without a value (only legal in an offer). */
  clientMaxWindowBits: number | true | undefined;
}

const SERVER_NO_CONTEXT_TAKEOVER = 'server_no_context_takeover';
const CLIENT_NO_CONTEXT_TAKEOVER = 'client_no_context_takeover';
const SERVER_MAX_WINDOW_BITS = 'server_max_window_bits';
const CLIENT_MAX_WINDOW_BITS = 'client_max_window_bits';

/** RFC 7692 §7.1.2: a decimal integer 8..15 without leading zeros (after unquoting, §9.1 of RFC 6455). */
function windowBitsValue(value: string): number | undefined {
  if (value.length === 1) return value === '8' || value === '9' ? Number(value) : undefined;
  if (value.length === 2 && value.charCodeAt(0) === 0x31) {
    const unit = value.charCodeAt(1) - 0x30;
    if (unit >= 0 && unit <= 5) return 10 + unit;
  }
  return undefined;
}

/**
 * Checks one element's parameters: each known at most once, with a legal value. Returns the
 * reason it is unacceptable instead of throwing, because a server declines such an offer
 * quietly and tries the next one (§7.1) while a client fails on it.
 */
function parseElement(params: ExtensionOffer['params'], side: 'offer' | 'response'): ElementParams | string {
  const out: ElementParams = {
    serverNoContextTakeover: false,
    clientNoContextTakeover: false,
    serverMaxWindowBits: undefined,
    clientMaxWindowBits: undefined,
  };
  const seen = new Set<string>();
  for (const [name, value] of params) {
    // Parameter names are case-sensitive tokens; RFC 7692 spells them in lower case.
    if (seen.has(name)) return `duplicate parameter ${name}`;
    seen.add(name);
    switch (name) {
      case SERVER_NO_CONTEXT_TAKEOVER:
      case CLIENT_NO_CONTEXT_TAKEOVER:
        if (value !== true) return `${name} must not have a value`;
        if (name === SERVER_NO_CONTEXT_TAKEOVER) out.serverNoContextTakeover = true;
        else out.clientNoContextTakeover = true;
        break;
      case SERVER_MAX_WINDOW_BITS: {
        if (value === true) return `${name} needs a value`;
        const bits = windowBitsValue(value);
        if (bits === undefined) return `${name} must be an integer from 8 to 15, got ${JSON.stringify(value)}`;
        out.serverMaxWindowBits = bits;
        break;
      }
      case CLIENT_MAX_WINDOW_BITS: {
        if (value === true) {
          // §7.1.2.2: bare in an offer ("I can limit my window"); a response must give the value.
          if (side === 'response') return `${name} needs a value in a response`;
          out.clientMaxWindowBits = true;
          break;
        }
        const bits = windowBitsValue(value);
        if (bits === undefined) return `${name} must be an integer from 8 to 15, got ${JSON.stringify(value)}`;
        out.clientMaxWindowBits = bits;
        break;
      }
      default:
        return `unknown parameter ${name}`;
    }
  }
  return out;
}

interface ServerPolicy {
  serverNoContextTakeover: boolean;
  clientNoContextTakeover: boolean;
  serverMaxWindowBits: number;
  clientMaxWindowBits: number;
}

function serverPolicy(options: NegotiationOptions): ServerPolicy {
  const serverMaxWindowBits = options.serverMaxWindowBits ?? MAX_WINDOW_BITS;
  assertWindowBits('serverMaxWindowBits', serverMaxWindowBits);
  let clientMaxWindowBits = options.clientMaxWindowBits ?? MAX_WINDOW_BITS;
  if (typeof clientMaxWindowBits === 'boolean') clientMaxWindowBits = MAX_WINDOW_BITS;
  assertWindowBits('clientMaxWindowBits', clientMaxWindowBits);
  return {
    serverNoContextTakeover: options.serverNoContextTakeover === true,
    clientNoContextTakeover: options.clientNoContextTakeover === true,
    serverMaxWindowBits,
    clientMaxWindowBits,
  };
}

/** Builds the response element for one acceptable offer under the server's policy. */
function answer(offer: ElementParams, policy: ServerPolicy): NegotiationResult {
  // §7.1.1.1: a requested server_no_context_takeover must be answered; the server may also add it.
  const serverNoContextTakeover = offer.serverNoContextTakeover || policy.serverNoContextTakeover;
  // §7.1.1.2: the server may always answer client_no_context_takeover. A client that offered it
  // promised to reset anyway, so echoing it costs it nothing and lets our inflater forget.
  const clientNoContextTakeover = offer.clientNoContextTakeover || policy.clientNoContextTakeover;
  // §7.1.2.1: answer a requested window with the same or a smaller value; the server may also
  // limit itself unasked.
  const serverMaxWindowBits = Math.min(offer.serverMaxWindowBits ?? MAX_WINDOW_BITS, policy.serverMaxWindowBits);
  const sendServerBits = offer.serverMaxWindowBits !== undefined || serverMaxWindowBits < MAX_WINDOW_BITS;
  // §7.1.2.2: client_max_window_bits may be answered only when offered, with a value no larger
  // than the offered one. A value in the offer is answered explicitly so both sides agree.
  let clientMaxWindowBits = MAX_WINDOW_BITS;
  let sendClientBits = false;
  if (offer.clientMaxWindowBits !== undefined) {
    const offered = offer.clientMaxWindowBits === true ? MAX_WINDOW_BITS : offer.clientMaxWindowBits;
    clientMaxWindowBits = Math.min(offered, policy.clientMaxWindowBits);
    sendClientBits = offer.clientMaxWindowBits !== true || clientMaxWindowBits < MAX_WINDOW_BITS;
  }
  const params: Array<[string, string | true]> = [];
  if (serverNoContextTakeover) params.push([SERVER_NO_CONTEXT_TAKEOVER, true]);
  if (clientNoContextTakeover) params.push([CLIENT_NO_CONTEXT_TAKEOVER, true]);
  if (sendServerBits) params.push([SERVER_MAX_WINDOW_BITS, String(serverMaxWindowBits)]);
  if (sendClientBits) params.push([CLIENT_MAX_WINDOW_BITS, String(clientMaxWindowBits)]);
  return {
    response: { name: EXTENSION_NAME, params },
    params: { serverNoContextTakeover, clientNoContextTakeover, serverMaxWindowBits, clientMaxWindowBits },
  };
}

/**
 * Server side (RFC 7692 §7.1): walks the client's offers in order (elements for other
 * extensions are skipped) and accepts the first acceptable permessage-deflate offer. An offer
 * with an unknown, duplicated or malformed parameter is declined and the next one is tried.
 * Returns the response element and the parameters in force, or null to decline them all.
 * Pure: no zlib. Throws RangeError for invalid options.
 */
export function negotiatePerMessageDeflate(
  offers: readonly ExtensionOffer[],
  options: NegotiationOptions = {},
): NegotiationResult | null {
  const policy = serverPolicy(options);
  for (const offer of offers) {
    if (offer.name !== EXTENSION_NAME) continue;
    const parsed = parseElement(offer.params, 'offer');
    if (typeof parsed === 'string') continue;
    return answer(parsed, policy);
  }
  return null;
}

/** An {@link ExtensionNegotiator} for `negotiateExtensions`, which can tell the params of its answers. */
export interface PerMessageDeflateNegotiator extends ExtensionNegotiator {
  /** The parameters a response produced by this negotiator put in force (undefined for any other object). */
  paramsOf(response: ExtensionOffer): NegotiatedParams | undefined;
}

/**
 * Wraps {@link negotiatePerMessageDeflate} for @websock/handshake's `negotiateExtensions`, for a
 * server with several extensions. Options are checked once, here.
 */
export function createNegotiator(options: NegotiationOptions = {}): PerMessageDeflateNegotiator {
  serverPolicy(options);
  const issued = new WeakMap<ExtensionOffer, NegotiatedParams>();
  return {
    name: EXTENSION_NAME,
    negotiate(offers) {
      const result = negotiatePerMessageDeflate(offers, options);
      if (result === null) return null;
      issued.set(result.response, result.params);
      return result.response;
    },
    paramsOf(response) {
      return issued.get(response);
    },
  };
}

/**
 * Client side: the offer to put in `Sec-WebSocket-Extensions`. By default
 * `permessage-deflate; client_max_window_bits` (we accept any window the server asks of us,
 * and full context takeover both ways). Throws RangeError for invalid options.
 */
export function createOffer(options: NegotiationOptions = {}): ExtensionOffer {
  const params: Array<[string, string | true]> = [];
  if (options.serverNoContextTakeover === true) params.push([SERVER_NO_CONTEXT_TAKEOVER, true]);
  if (options.clientNoContextTakeover === true) params.push([CLIENT_NO_CONTEXT_TAKEOVER, true]);
  if (options.serverMaxWindowBits !== undefined) {
    assertWindowBits('serverMaxWindowBits', options.serverMaxWindowBits);
    params.push([SERVER_MAX_WINDOW_BITS, String(options.serverMaxWindowBits)]);
  }
  const clientBits = options.clientMaxWindowBits ?? true;
  if (clientBits === true) {
    params.push([CLIENT_MAX_WINDOW_BITS, true]);
  } else if (clientBits !== false) {
    assertWindowBits('clientMaxWindowBits', clientBits);
    params.push([CLIENT_MAX_WINDOW_BITS, String(clientBits)]);
  }
  return { name: EXTENSION_NAME, params };
}

/** Why `response` cannot be the answer to `offer`, or the parameters it puts in force. */
function matchOffer(response: ElementParams, offer: ElementParams): NegotiatedParams | string {
  // §7.1.1.1: a server accepts a requested server_no_context_takeover only by answering it.
  if (offer.serverNoContextTakeover && !response.serverNoContextTakeover) {
    return `${SERVER_NO_CONTEXT_TAKEOVER} was requested but not answered`;
  }
  // §7.1.2.1: a requested window must be answered with the same or a smaller value.
  if (offer.serverMaxWindowBits !== undefined) {
    if (response.serverMaxWindowBits === undefined) return `${SERVER_MAX_WINDOW_BITS} was requested but not answered`;
    if (response.serverMaxWindowBits > offer.serverMaxWindowBits) {
      return `${SERVER_MAX_WINDOW_BITS}=${response.serverMaxWindowBits} exceeds the requested ${offer.serverMaxWindowBits}`;
    }
  }
  // §7.1.2.2: client_max_window_bits only when offered, and never above an offered value.
  let clientMaxWindowBits = typeof offer.clientMaxWindowBits === 'number' ? offer.clientMaxWindowBits : MAX_WINDOW_BITS;
  if (response.clientMaxWindowBits !== undefined) {
    if (offer.clientMaxWindowBits === undefined) return `${CLIENT_MAX_WINDOW_BITS} was not offered`;
    const answered = response.clientMaxWindowBits as number;
    if (answered > clientMaxWindowBits) {
      return `${CLIENT_MAX_WINDOW_BITS}=${answered} exceeds the offered ${clientMaxWindowBits}`;
    }
    clientMaxWindowBits = answered;
  }
  return {
    // The server may add server_no_context_takeover and server_max_window_bits unasked (§7.1.1.1, §7.1.2.1).
    serverNoContextTakeover: response.serverNoContextTakeover,
    // §7.1.1.2: offering client_no_context_takeover is a promise, answered or not.
    clientNoContextTakeover: response.clientNoContextTakeover || offer.clientNoContextTakeover,
    serverMaxWindowBits: response.serverMaxWindowBits ?? MAX_WINDOW_BITS,
    clientMaxWindowBits,
  };
}

/**
 * Client side: checks the server's permessage-deflate response element against what we offered
 * (one offer or several, as sent) and returns the parameters in force. A response with an
 * unknown, duplicated or malformed parameter, or one that answers none of the offers (e.g.
 * `client_max_window_bits` that was not offered, or a larger window than requested), throws
 * {@link DeflateNegotiationError}: the client must fail the connection (RFC 7692 §7.1).
 * Pure: no zlib.
 */
export function acceptResponse(
  response: ExtensionOffer,
  offered: ExtensionOffer | readonly ExtensionOffer[],
): NegotiatedParams {
  if (response.name !== EXTENSION_NAME) {
    throw new TypeError(`acceptResponse() expects a ${EXTENSION_NAME} element, got ${JSON.stringify(response.name)}`);
  }
  const parsed = parseElement(response.params, 'response');
  if (typeof parsed === 'string') {
    throw new DeflateNegotiationError(`Invalid ${EXTENSION_NAME} response from the server: ${parsed}`);
  }
  const offers = (Array.isArray(offered) ? offered : [offered]) as readonly ExtensionOffer[];
  let reason = 'the extension was not offered';
  for (const offer of offers) {
    if (offer.name !== EXTENSION_NAME) continue;
    const ours = parseElement(offer.params, 'offer');
    if (typeof ours === 'string') throw new TypeError(`Invalid ${EXTENSION_NAME} offer: ${ours}`);
    const matched = matchOffer(parsed, ours);
    if (typeof matched !== 'string') return matched;
    reason = matched;
  }
  throw new DeflateNegotiationError(`The server's ${EXTENSION_NAME} response does not match the offer: ${reason}`);
}
