import { describe, expect, it } from 'vitest';
import { LIMITS, parseClientMessage } from '../src/protocol.js';

describe('parseClientMessage', () => {
  it('accepts a join and a chat, trimmed', () => {
    expect(parseClientMessage('{"type":"join","room":" lobby ","name":" ada "}')).toEqual({
      ok: true,
      message: { type: 'join', room: 'lobby', name: 'ada' },
    });
    expect(parseClientMessage('{"type":"chat","text":"hi "}')).toEqual({
      ok: true,
      message: { type: 'chat', text: 'hi' },
    });
  });

  it('refuses what it cannot use, with a reason', () => {
    const cases = [
      'not json',
      '42',
      'null',
      '{"type":"shout"}',
      '{"type":"join","room":"lobby"}',
      '{"type":"join","room":"a room","name":"ada"}',
      '{"type":"join","room":"lobby","name":"   "}',
      `{"type":"join","room":"lobby","name":"${'x'.repeat(LIMITS.name + 1)}"}`,
      '{"type":"chat","text":5}',
      `{"type":"chat","text":"${'x'.repeat(LIMITS.text + 1)}"}`,
    ];
    for (const text of cases) {
      const parsed = parseClientMessage(text);
      expect(parsed.ok, text).toBe(false);
      if (!parsed.ok) expect(parsed.error.length).toBeGreaterThan(0);
    }
  });
});
