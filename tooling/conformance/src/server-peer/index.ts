export {
  buildClientCaseTable,
  CLIENT_CATEGORIES,
  CLIENT_ONLY_CATEGORY,
  type ClientCase,
  clientOnlyCases,
  fromSharedCase,
} from './cases.js';
export { type ClientFrame, ClientFrameReader } from './frame-reader.js';
export { concat, encodeServerFrame, MaskStripper, payloadBytes, serverHeaderLength } from './frame-writer.js';
export { type ClientGradeOptions, gradeClient } from './grading.js';
export {
  acceptFor,
  badRequest,
  type ClientRequest,
  headEnd,
  parseClientRequest,
  switchingProtocols,
} from './handshake.js';
export {
  type ClientCaseReport,
  type ClientRunOptions,
  type ClientSideResult,
  type EchoClient,
  formatClientReport,
  runClientCase,
} from './runner.js';
export { runScriptAsServer, SCRIPT_PEER_MEMBERS } from './script-adapter.js';
export {
  type AcceptedCase,
  type ExpectOptions,
  FuzzingServer,
  type FuzzingServerOptions,
  runCasePath,
} from './server.js';
export {
  type ClientTcpEnd,
  closeFramePayload,
  type ServerChopOptions,
  ServerPeer,
  type ServerPeerOptions,
  type ServerPeerSnapshot,
} from './server-peer.js';
