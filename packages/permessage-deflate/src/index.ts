// @websock/permessage-deflate: RFC 7692 compression for WebSocket.
// Negotiation is pure (also published alone as `@websock/permessage-deflate/negotiate`);
// the codec runs on node:zlib.
export type { ContextState, Role } from './codec.js';
export { createDeflateExtension, PerMessageDeflate } from './codec.js';
export { DeflateErrorCode, DeflateNegotiationError, InflateError } from './errors.js';
export type { Job } from './limiter.js';
export { DEFAULT_CONCURRENCY, JobLimiter, sharedLimiter } from './limiter.js';
export type { NegotiationResult, PerMessageDeflateNegotiator } from './negotiate.js';
export { acceptResponse, createNegotiator, createOffer, negotiatePerMessageDeflate } from './negotiate.js';
export type { CodecOptions, NegotiatedParams, NegotiationOptions, PerMessageDeflateOptions } from './options.js';
export {
  DEFAULT_LEVEL,
  DEFAULT_MEM_LEVEL,
  DEFAULT_THRESHOLD,
  EXTENSION_NAME,
  MAX_WINDOW_BITS,
  MIN_WINDOW_BITS,
} from './options.js';
export type { SharedCompressionOptions } from './shared.js';
export { compressShared } from './shared.js';
