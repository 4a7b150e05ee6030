export {
  buildCase,
  buildCaseTable,
  type CaseContext,
  type ConformanceCase,
  MAX_LIMITS_MESSAGE,
  PLAYED_CATEGORIES,
} from './cases.js';
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
