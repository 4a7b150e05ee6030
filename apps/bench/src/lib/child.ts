// Child processes of the driver: started with an IPC channel, optionally pinned to CPUs (taskset)
// and given a higher open-file limit (sh -c 'ulimit -n N; exec ...'). `exec` keeps the PID, so the
// PID we hold is the node process itself. Every child is stopped by that PID: on request, on
// error, and from a process 'exit' hook should the driver die first.

import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { availableParallelism, cpus } from 'node:os';

const live = new Set<number>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  process.on('exit', () => {
    for (const pid of live) {
      try {
        process.kill(pid, 'SIGKILL');
      } catch {
        // Already gone.
      }
    }
  });
}

export interface SpawnOptions {
  /** taskset CPU list, e.g. "0" or "1-3". */
  cpus?: string | undefined;
  /** Soft open-file limit to raise to before exec. */
  nofile?: number | undefined;
  nodeArgs?: string[];
  /** Added to the environment; null removes a variable. */
  env?: Record<string, string | null>;
}

export class Child {
  readonly process: ChildProcess;
  readonly pid: number;
  private nextId = 1;
  private readonly pending = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();
  private stdoutBuffer = '';
  private readonly lineWaiters: Array<{ pattern: RegExp; resolve(line: string): void }> = [];
  private stderrTail = '';
  private readonly noticeListeners: Array<(message: Record<string, unknown>) => void> = [];
  private exited = false;
  readonly exit: Promise<void>;

  constructor(
    readonly label: string,
    script: string,
    args: string[],
    options: SpawnOptions = {},
  ) {
    installExitHook();
    let command = [process.execPath, ...(options.nodeArgs ?? []), script, ...args];
    if (options.cpus !== undefined) command = ['taskset', '-c', options.cpus, ...command];
    if (options.nofile !== undefined)
      command = ['sh', '-c', `ulimit -n ${options.nofile} && exec "$@"`, 'sh', ...command];
    const env: NodeJS.ProcessEnv = { ...process.env };
    for (const [key, value] of Object.entries(options.env ?? {})) {
      if (value === null) delete env[key];
      else env[key] = value;
    }
    this.process = spawn(command[0]!, command.slice(1), { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env });
    if (this.process.pid === undefined) throw new Error(`${label}: could not start ${command.join(' ')}`);
    this.pid = this.process.pid;
    live.add(this.pid);
    this.exit = new Promise((resolve) => {
      this.process.once('exit', (code, signal) => {
        this.exited = true;
        live.delete(this.pid);
        const reason = new Error(
          `${label} exited (code ${code}, signal ${signal})${this.stderrTail ? `: ${this.stderrTail.trim()}` : ''}`,
        );
        for (const waiter of this.pending.values()) waiter.reject(reason);
        this.pending.clear();
        resolve();
      });
    });
    this.process.on('error', () => {});
    this.process.stdout?.setEncoding('utf8');
    this.process.stdout?.on('data', (text: string) => this.onStdout(text));
    this.process.stderr?.setEncoding('utf8');
    this.process.stderr?.on('data', (text: string) => {
      this.stderrTail = (this.stderrTail + text).slice(-2000);
    });
    this.process.on('message', (message: { id?: number; type?: string; message?: string }) => {
      if (message.id === undefined) {
        for (const listener of this.noticeListeners) listener(message);
        return;
      }
      const waiter = this.pending.get(message.id);
      if (!waiter) return;
      this.pending.delete(message.id);
      if (message.type === 'error') waiter.reject(new Error(`${label}: ${message.message}`));
      else waiter.resolve(message);
    });
  }

  get alive(): boolean {
    return !this.exited;
  }

  get stderr(): string {
    return this.stderrTail;
  }

  private onStdout(text: string): void {
    this.stdoutBuffer += text;
    let newline = this.stdoutBuffer.indexOf('\n');
    while (newline >= 0) {
      const line = this.stdoutBuffer.slice(0, newline);
      this.stdoutBuffer = this.stdoutBuffer.slice(newline + 1);
      for (let i = 0; i < this.lineWaiters.length; i++) {
        const waiter = this.lineWaiters[i]!;
        if (waiter.pattern.test(line)) {
          this.lineWaiters.splice(i, 1);
          waiter.resolve(line);
          break;
        }
      }
      newline = this.stdoutBuffer.indexOf('\n');
    }
    // A child that prints without newlines must not grow this without bound.
    if (this.stdoutBuffer.length > 64 * 1024) this.stdoutBuffer = '';
  }

  /** Resolves with the first stdout line matching `pattern`. */
  waitForLine(pattern: RegExp, timeoutMs: number): Promise<string> {
    return withTimeout(
      new Promise<string>((resolve, reject) => {
        this.lineWaiters.push({ pattern, resolve });
        this.exit.then(() => reject(new Error(`${this.label} exited before printing ${pattern}: ${this.stderrTail}`)));
      }),
      timeoutMs,
      `${this.label}: no line matching ${pattern} within ${timeoutMs} ms`,
    );
  }

  /** Calls `listener` with every message the child sends unasked (without an id), such as periodic reports. */
  onNotice(listener: (message: Record<string, unknown>) => void): void {
    this.noticeListeners.push(listener);
  }

  /** Sends a request with a fresh id and resolves with the reply carrying the same id. */
  request<Reply>(message: Record<string, unknown>, timeoutMs: number): Promise<Reply> {
    if (this.exited || !this.process.connected) return Promise.reject(new Error(`${this.label} is not running`));
    const id = this.nextId++;
    const reply = new Promise<Reply>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
    });
    this.process.send({ ...message, id });
    return withTimeout(
      reply,
      timeoutMs,
      `${this.label}: no reply to ${String(message.type)} within ${timeoutMs} ms`,
    ).finally(() => this.pending.delete(id));
  }

  /** Asks the child to exit, then kills it by PID if it has not within `graceMs`. */
  async stop(graceMs = 1_000): Promise<void> {
    if (this.exited) return;
    if (this.process.connected) {
      try {
        this.process.send({ id: 0, type: 'stop' });
        this.process.disconnect();
      } catch {
        // Channel already closed; fall through to the signal.
      }
    }
    const timer = new Promise<boolean>((resolve) => setTimeout(() => resolve(false), graceMs).unref());
    if (await Promise.race([this.exit.then(() => true), timer])) return;
    try {
      process.kill(this.pid, 'SIGKILL');
    } catch {
      // Exited between the check and the kill.
    }
    await this.exit;
  }
}

export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(message)), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

export interface Machine {
  cores: number;
  cpuModel: string;
  node: string;
  platform: string;
  /** Whether `taskset` exists and may pin to CPUs 0 and 1. */
  taskset: boolean;
  /** Current soft and hard open-file limits (Infinity for unlimited). */
  nofileSoft: number;
  nofileHard: number;
}

export function describeMachine(): Machine {
  const cores = typeof availableParallelism === 'function' ? availableParallelism() : cpus().length;
  const canPin = (cpu: string) => spawnSync('taskset', ['-c', cpu, 'true'], { stdio: 'ignore' }).status === 0;
  const taskset = cores >= 2 && canPin('0') && canPin('1');
  const limits = spawnSync('sh', ['-c', 'ulimit -Sn; ulimit -Hn'], { encoding: 'utf8' });
  const [soft, hard] = (limits.stdout ?? '').trim().split(/\s+/);
  const parse = (value: string | undefined) => (value === 'unlimited' ? Infinity : Number(value) || 1024);
  return {
    cores,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    node: process.version,
    platform: `${process.platform} ${process.arch}`,
    taskset,
    nofileSoft: parse(soft),
    nofileHard: parse(hard),
  };
}

/** Where the processes of a run go: the server on CPU 0, load generators on the others. */
export interface Placement {
  pinned: boolean;
  /** CPU list (`taskset -c`) of each load generator. */
  loadCpus: string[];
  note?: string;
}

export function planPlacement(machine: Machine, pin: boolean, clients: number | undefined): Placement {
  const pinned = pin && machine.taskset;
  const clientCount = Math.max(1, clients ?? Math.min(Math.max(machine.cores - 1, 1), 3));
  const loadCpus = Array.from({ length: clientCount }, (_, i) => String(1 + (i % Math.max(machine.cores - 1, 1))));
  return pin && !machine.taskset
    ? { pinned, loadCpus, note: 'Not pinned: taskset is missing or fewer than 2 CPUs are usable.' }
    : { pinned, loadCpus };
}

/**
 * Open files for `wanted` connections plus `margin`: raises the soft limit for the child
 * processes when the hard limit allows, else lowers the count (and says so in `note`).
 */
export function planOpenFiles(
  machine: Machine,
  wanted: number,
  margin: number,
): { count: number; nofile: number | undefined; note?: string } {
  const needed = wanted + margin;
  if (machine.nofileSoft >= needed) return { count: wanted, nofile: undefined };
  if (machine.nofileHard >= needed) return { count: wanted, nofile: needed };
  const count = Math.max(100, Math.floor(machine.nofileHard) - margin);
  return {
    count,
    nofile: Math.floor(machine.nofileHard),
    note: `reduced from ${wanted} to ${count}: the hard open-file limit is ${machine.nofileHard}.`,
  };
}
