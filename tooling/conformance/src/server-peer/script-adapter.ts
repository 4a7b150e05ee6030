import type { CaseContext, ConformanceCase } from '../cases.js';
import type { OutFrame } from '../frame-writer.js';
import type { Peer } from '../peer.js';
import { MaskStripper } from './frame-writer.js';
import type { ServerChopOptions, ServerPeer } from './server-peer.js';

/**
 * Plays the case scripts of `src/cases.ts` (written for the client-side `Peer`) from
 * the server's side. The scripts use a small part of `Peer`; this object provides
 * exactly that part on top of a `ServerPeer`, with the roles flipped:
 *
 * - frames given as `OutFrame` go out unmasked (`mask` is ignored: a script written
 *   for a client masks by default);
 * - bytes a script pre-encoded as a client would (masked) are rewritten by a
 *   `MaskStripper`, chop by chop, into the same frames as a server sends them;
 * - once the client's close frame has arrived (the peer has answered it), the script
 *   can send nothing more: the server would otherwise break the protocol itself.
 *   Before that, scripts still send after their own close (7.1.2-7.1.5 do on purpose).
 *
 * Any other `Peer` member a script touches throws, so a change in the shared scripts
 * that this adapter does not cover fails loudly instead of misbehaving.
 */

export const SCRIPT_PEER_MEMBERS = [
  'events',
  'isOpen',
  'mark',
  'note',
  'sendClose',
  'sendCloseFrame',
  'sendFrame',
  'sendFrames',
  'waitFor',
  'write',
] as const;

type ScriptPeer = Pick<Peer, (typeof SCRIPT_PEER_MEMBERS)[number]>;

class ServerSideScriptPeer implements ScriptPeer {
  private readonly stripper = new MaskStripper();

  constructor(private readonly peer: ServerPeer) {}

  get events() {
    return this.peer.events;
  }

  get isOpen(): boolean {
    return this.peer.isOpen;
  }

  mark(tag: string): void {
    this.peer.mark(tag);
  }

  note(line: string): void {
    this.peer.note(line);
  }

  waitFor(predicate: () => boolean, timeoutMs: number): Promise<boolean> {
    return this.peer.waitFor(predicate, timeoutMs);
  }

  async write(bytes: Uint8Array, options: ServerChopOptions = {}): Promise<void> {
    if (this.blocked(`${bytes.length} pre-encoded bytes`)) return;
    const serverBytes = this.stripper.push(bytes);
    this.peer.note(`TX ${serverBytes.length} bytes (the script's ${bytes.length} client-encoded bytes, unmasked)`);
    if (serverBytes.length > 0) await this.peer.write(serverBytes, options);
  }

  async sendFrame(frame: OutFrame, options: ServerChopOptions = {}): Promise<void> {
    if (this.blocked(`frame op=${frame.opcode}`)) return;
    await this.peer.sendFrame(unmasked(frame), options);
  }

  async sendFrames(
    frames: readonly OutFrame[],
    mode: 'one-chop' | 'frame-wise' | 'octet-wise' = 'one-chop',
  ): Promise<void> {
    if (mode === 'frame-wise') {
      // Frame by frame, so a client's close between two frames stops the rest.
      for (const frame of frames) {
        if (this.blocked(`frame op=${frame.opcode}`)) return;
        await this.peer.sendFrames([unmasked(frame)], mode);
      }
      return;
    }
    if (this.blocked(`${frames.length} frame(s)`)) return;
    await this.peer.sendFrames(frames.map(unmasked), mode);
  }

  async sendClose(code?: number, reason: Uint8Array | string = ''): Promise<void> {
    if (this.blocked('close frame')) return;
    await this.peer.sendClose(code, reason);
  }

  async sendCloseFrame(frame: OutFrame, options: ServerChopOptions = {}): Promise<void> {
    if (this.blocked('close frame')) return;
    await this.peer.sendCloseFrame(unmasked(frame), options);
  }

  private blocked(what: string): boolean {
    if (!this.peer.closeReceived && this.peer.canWrite) return false;
    this.peer.note(`script TX of ${what} skipped: the client already closed`);
    return true;
  }
}

function unmasked(frame: OutFrame): OutFrame {
  const { mask: _mask, ...rest } = frame;
  return rest;
}

/** Runs a shared case script against a server-side peer. */
export function runScriptAsServer(c: ConformanceCase, peer: ServerPeer, ctx: CaseContext): Promise<void> {
  const adapter = new ServerSideScriptPeer(peer);
  const allowed = new Set<PropertyKey>(SCRIPT_PEER_MEMBERS);
  const guarded = new Proxy(adapter, {
    get(target, property) {
      if (typeof property === 'string' && !allowed.has(property)) {
        throw new Error(
          `case ${c.id}: its script uses Peer.${property}, which the server-side adapter does not provide (src/server-peer/script-adapter.ts)`,
        );
      }
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  // The scripts only touch the members listed above; the proxy enforces it.
  return c.script(guarded as unknown as Peer, ctx);
}
