import { CloseFrameErrorCode } from '@websock/close';
import { FrameErrorCode } from '@websock/frame';
import { describe, expect, it } from 'vitest';
import { ProtocolErrorCode } from '../src/index.js';

// One name per condition: a condition detected in several layers has one code string.
describe('error codes shared with the lower layers', () => {
  it('too big is WS_ERR_MESSAGE_TOO_BIG in the frame layer and in the core', () => {
    expect(FrameErrorCode.MessageTooBig).toBe('WS_ERR_MESSAGE_TOO_BIG');
    expect(ProtocolErrorCode.MessageTooBig).toBe(FrameErrorCode.MessageTooBig);
  });

  it('an oversized control frame has one code whether the frame or the close layer sees it', () => {
    expect(CloseFrameErrorCode.TooLong).toBe(FrameErrorCode.ControlFrameTooLong);
  });

  it('bad UTF-8 has one code for text messages and close reasons', () => {
    expect(CloseFrameErrorCode.InvalidUtf8).toBe(ProtocolErrorCode.InvalidUtf8);
  });

  it('unexpected RSV bits have one code in the frame layer and in the core', () => {
    expect(ProtocolErrorCode.UnexpectedRsv).toBe(FrameErrorCode.UnexpectedRsv);
  });
});
