// The chat's messages, JSON in text frames. Parsing is pure and total: anything a browser (or
// anyone else) sends becomes either a valid request or an error to answer with.

export const LIMITS = { name: 32, room: 32, text: 1000 } as const;

export type ClientMessage = { type: 'join'; room: string; name: string } | { type: 'chat'; text: string };

export type ServerMessage =
  | { type: 'joined'; room: string; name: string; members: number }
  | { type: 'presence'; room: string; name: string; event: 'join' | 'leave'; members: number }
  | { type: 'chat'; room: string; name: string; text: string; time: number }
  | { type: 'error'; message: string };

export type Parsed = { ok: true; message: ClientMessage } | { ok: false; error: string };

const ROOM = /^[A-Za-z0-9_-]+$/;

function field(value: unknown, label: string, max: number): string | { error: string } {
  if (typeof value !== 'string') return { error: `${label} must be a string` };
  const trimmed = value.trim();
  if (trimmed.length === 0) return { error: `${label} is empty` };
  if (trimmed.length > max) return { error: `${label} is longer than ${max} characters` };
  return trimmed;
}

export function parseClientMessage(text: string): Parsed {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    return { ok: false, error: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null) return { ok: false, error: 'not an object' };
  const record = value as Record<string, unknown>;
  if (record.type === 'join') {
    const name = field(record.name, 'name', LIMITS.name);
    if (typeof name !== 'string') return { ok: false, error: name.error };
    const room = field(record.room, 'room', LIMITS.room);
    if (typeof room !== 'string') return { ok: false, error: room.error };
    if (!ROOM.test(room)) return { ok: false, error: 'room may hold letters, digits, _ and - only' };
    return { ok: true, message: { type: 'join', room, name } };
  }
  if (record.type === 'chat') {
    const body = field(record.text, 'text', LIMITS.text);
    if (typeof body !== 'string') return { ok: false, error: body.error };
    return { ok: true, message: { type: 'chat', text: body } };
  }
  return { ok: false, error: 'type must be "join" or "chat"' };
}

/** Rooms are topics; the prefix keeps room names apart from any other topic the server may use. */
export const roomTopic = (room: string) => `room:${room}`;
