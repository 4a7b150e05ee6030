import { badRequest, RejectionCode } from './errors.js';
import { isToken, splitList } from './grammar.js';

/** Picks one of the offered subprotocols, or none (`undefined`/`null`). */
export type ProtocolChooser = (offered: readonly string[]) => string | null | undefined;

/**
 * Parses `Sec-WebSocket-Protocol` (RFC 6455 §4.1 and §11.3.4: `1#token`, values unique) over all
 * its field lines. Empty list elements are skipped (RFC 9110 §5.6.1); a non-token element or a
 * repeated value is a malformed request: `HandshakeRejection` 400.
 */
export function parseProtocolHeader(value: string | readonly string[] | undefined): string[] {
  if (value === undefined) return [];
  const lines = typeof value === 'string' ? [value] : value;
  const out: string[] = [];
  for (const line of lines) {
    for (const element of splitList(line)) {
      if (!isToken(element)) {
        throw badRequest(
          RejectionCode.InvalidProtocol,
          `Invalid subprotocol name in Sec-WebSocket-Protocol: ${JSON.stringify(element)}`,
        );
      }
      if (out.includes(element)) {
        throw badRequest(RejectionCode.InvalidProtocol, `Subprotocol ${element} is offered twice`);
      }
      out.push(element);
    }
  }
  return out;
}

/**
 * Chooses the subprotocol to answer with. With a list, the first entry of `supported` (the
 * server's order of preference) that the client offered wins; with a function, its answer is
 * used after checking it was offered. Names compare case-sensitively. `undefined` = none.
 */
export function selectProtocol(
  offered: readonly string[],
  supported: readonly string[] | ProtocolChooser,
): string | undefined {
  if (typeof supported === 'function') {
    const chosen = supported(offered);
    if (chosen === undefined || chosen === null) return undefined;
    if (!offered.includes(chosen)) {
      throw new TypeError(`Subprotocol ${JSON.stringify(chosen)} was not offered by the client`);
    }
    return chosen;
  }
  for (const candidate of supported) {
    if (offered.includes(candidate)) return candidate;
  }
  return undefined;
}

/** Checks an application-supplied protocol list (client side): tokens, no repeats. */
export function assertProtocolList(protocols: readonly string[]): void {
  const seen = new Set<string>();
  for (const protocol of protocols) {
    if (typeof protocol !== 'string' || !isToken(protocol)) {
      throw new TypeError(`Invalid subprotocol name: ${JSON.stringify(protocol)}`);
    }
    if (seen.has(protocol)) throw new TypeError(`Subprotocol ${protocol} is listed twice`);
    seen.add(protocol);
  }
}
