export {
  buildCase,
  buildCaseTable,
  type CaseContext,
  type ConformanceCase,
  MAX_LIMITS_MESSAGE,
  PLAYED_CATEGORIES,
} from './cases.js';
export {
  authorityOf,
  type ChannelKind,
  type ChannelListener,
  type ChannelRequest,
  type ChannelWords,
  channelWords,
  type PeerChannel,
} from './channel.js';
export {
  buildDeflateCase,
  DEFLATE_BYTES_PER_CASE,
  DEFLATE_ECHO_TIMEOUT_MS,
  DEFLATE_MIN_MESSAGES,
  type DeflatePlan,
  deflatePlan,
  peerLevel,
  scaledCount,
} from './deflate-cases.js';
export {
  type DecodedMessage,
  type DirectionParams,
  MessageDeflater,
  MessageInflater,
  SYNC_COMPRESS_LIMIT,
  SYNC_TAIL,
} from './deflate-codec.js';
export { CORPORA, type Corpus, corpusData, corpusMessages, MAX_CORPUS_SLICE } from './deflate-corpora.js';
export { DeflatePeerExtension, type DeflateStats, RSV1 } from './deflate-extension.js';
export {
  acceptDeflateResponse,
  autobahnOffer,
  DeflateNegotiationError,
  type DeflateOffer,
  describeNegotiated,
  EXTENSION_NAME,
  type ExtensionElement,
  formatOffer,
  formatOffers,
  type NegotiatedDeflate,
  parseExtensions,
} from './deflate-negotiation.js';
export { FrameReader, type InFrame } from './frame-reader.js';
export {
  closePayload,
  concatBytes,
  encodeFragmentedMessage,
  encodeFrame,
  encodeFrames,
  fromHex,
  headerLength,
  maskInto,
  Op,
  type OutFrame,
  randomMaskKey,
  toBytes,
  toHex,
} from './frame-writer.js';
export {
  type Behavior,
  type BehaviorClose,
  type ExpectedClose,
  type ExpectedEvent,
  type ExpectedOutcomes,
  eventMatches,
  grade,
  progress,
  renderEvent,
  renderSequence,
  sequenceMatches,
  type Verdict,
} from './grading.js';
export {
  acceptKeyFor,
  buildUpgradeRequest,
  checkUpgradeResponse,
  findHeadEnd,
  parseResponseHead,
} from './handshake.js';
export { InflateError, InflateErrorCode, type InflateOptions, type InflateResult, inflateRaw } from './inflate.js';
export { describeReset, openHttp2Channel } from './open-http2.js';
export { openSocketChannel } from './open-socket.js';
export {
  type ChopOptions,
  type CloseInfo,
  isUtf8,
  isWireCloseCode,
  type ObservedEvent,
  Peer,
  type PeerExtension,
  type PeerOptions,
  type PeerSnapshot,
  sleep,
} from './peer.js';
export {
  categoryOf,
  compareIds,
  decodeExpected,
  decodePayload,
  defaultReferencePath,
  loadReferenceCases,
  type ReferenceCase,
  referencePath,
} from './reference.js';
export { type CaseReport, formatReport, type RunOptions, runCase, type TargetAddress } from './runner.js';
