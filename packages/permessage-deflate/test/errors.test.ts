import { HandshakeErrorCode } from '@websock/handshake';
import { ProtocolErrorCode, toProtocolError } from '@websock/protocol';
import { describe, expect, it } from 'vitest';
import { DeflateErrorCode, invalidCompressedData, messageTooBig } from '../src/errors.js';

describe('error codes', () => {
  it('use the names the other packages use for the same conditions', () => {
    expect(DeflateErrorCode.MessageTooBig).toBe(ProtocolErrorCode.MessageTooBig);
    expect(DeflateErrorCode.InvalidExtensions).toBe(HandshakeErrorCode.InvalidExtensions);
  });

  it('reach the wire with their own close code through the core', () => {
    expect(toProtocolError(messageTooBig(10))).toMatchObject({ code: 'WS_ERR_MESSAGE_TOO_BIG', closeCode: 1009 });
    expect(toProtocolError(invalidCompressedData(new Error('bad')))).toMatchObject({
      code: 'WS_ERR_INVALID_COMPRESSED_DATA',
      closeCode: 1007,
    });
  });
});
