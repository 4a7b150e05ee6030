import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChatServer, startChat } from '../src/server.js';
import { ChatClient } from './helpers.js';

let chat: ChatServer;
let wsUrl: string;
const clients: ChatClient[] = [];

async function client(): Promise<ChatClient> {
  const opened = await ChatClient.open(wsUrl);
  clients.push(opened);
  return opened;
}

beforeAll(async () => {
  chat = await startChat();
  wsUrl = `${chat.url.replace(/^http/, 'ws')}ws`;
});

afterAll(async () => {
  await Promise.all(clients.map((c) => c.close()));
  await chat.close();
});

describe('chat rooms (ws clients)', () => {
  it('serves the page at / and nothing else', async () => {
    const page = await fetch(chat.url);
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain('id="send"');
    expect(html).toContain("'/ws'");
    expect((await fetch(`${chat.url}nope`)).status).toBe(404);
  });

  it('announces joins to the room and delivers chat to everyone in it, the sender included', async () => {
    const ada = await client();
    const bob = await client();
    expect(await ada.join('r1', 'ada')).toEqual({ type: 'joined', room: 'r1', name: 'ada', members: 1 });
    expect(await bob.join('r1', 'bob')).toEqual({ type: 'joined', room: 'r1', name: 'bob', members: 2 });
    expect(await ada.next()).toEqual({ type: 'presence', room: 'r1', name: 'bob', event: 'join', members: 2 });

    bob.send({ type: 'chat', text: 'hello' });
    for (const c of [ada, bob])
      expect(await c.next()).toMatchObject({ type: 'chat', room: 'r1', name: 'bob', text: 'hello' });
  });

  it('keeps rooms apart, and a room change leaves the old room', async () => {
    const a = await client();
    const b = await client();
    const c = await client();
    await a.join('red', 'a');
    await b.join('blue', 'b');
    await c.join('red', 'c');
    expect(await a.next()).toMatchObject({ type: 'presence', name: 'c', event: 'join' });

    b.send({ type: 'chat', text: 'blue only' });
    expect(await b.next()).toMatchObject({ type: 'chat', text: 'blue only' });
    c.send({ type: 'chat', text: 'red only' });
    expect(await a.next()).toMatchObject({ type: 'chat', room: 'red', text: 'red only' });
    expect(await c.next()).toMatchObject({ type: 'chat', room: 'red', text: 'red only' });

    expect(await c.join('blue', 'c')).toMatchObject({ type: 'joined', room: 'blue', members: 2 });
    expect(await a.next()).toEqual({ type: 'presence', room: 'red', name: 'c', event: 'leave', members: 1 });
    expect(await b.next()).toMatchObject({ type: 'presence', room: 'blue', name: 'c', event: 'join', members: 2 });
    a.send({ type: 'chat', text: 'anyone?' });
    expect(await a.next()).toMatchObject({ text: 'anyone?' });
    // b and c heard nothing from red: the next thing each gets is this blue message.
    c.send({ type: 'chat', text: 'in blue' });
    expect(await b.next()).toMatchObject({ room: 'blue', text: 'in blue' });
    expect(await c.next()).toMatchObject({ room: 'blue', text: 'in blue' });
    expect(b.pending + c.pending).toBe(0);
  });

  it('tells the room when someone disconnects', async () => {
    const stay = await client();
    const go = await client();
    await stay.join('bye', 'stay');
    await go.join('bye', 'go');
    await stay.next();
    await go.close();
    expect(await stay.next()).toEqual({ type: 'presence', room: 'bye', name: 'go', event: 'leave', members: 1 });
  });

  it('answers bad input and chat before joining with an error, and stays open', async () => {
    const lost = await client();
    lost.send({ type: 'chat', text: 'hi' });
    expect(await lost.next()).toEqual({ type: 'error', message: 'join a room first' });
    lost.send('{oops');
    expect(await lost.next()).toMatchObject({ type: 'error' });
    lost.socket.send(Buffer.from('bin'));
    expect(await lost.next()).toMatchObject({ type: 'error', message: 'send text frames' });
    expect(await lost.join('ok', 'lost')).toMatchObject({ type: 'joined' });
  });
});
