import { parseWebSocketUrl } from './connect.js';

/**
 * The URL and subprotocols given to a WHATWG constructor (`WebSocket`, `WebSocketStream`),
 * checked as the spec says: `connect()`'s URL rules (ws:/wss:, http:/https: as aliases, no
 * fragment), no duplicate protocol; a violation is a `SyntaxError` DOMException.
 */
export function parseConstructorArguments(
  url: string | URL,
  protocols: string | Iterable<string>,
): { url: URL; protocols: string[] } {
  let parsed: URL;
  try {
    parsed = parseWebSocketUrl(url);
  } catch {
    throw new DOMException(`invalid WebSocket URL: ${String(url)}`, 'SyntaxError');
  }
  const offered = typeof protocols === 'string' ? [protocols] : [...protocols];
  if (new Set(offered).size !== offered.length) throw new DOMException('duplicate subprotocol', 'SyntaxError');
  return { url: parsed, protocols: offered };
}
