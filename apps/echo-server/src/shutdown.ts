export interface SignalSource {
  on(signal: 'SIGINT' | 'SIGTERM', listener: () => void): unknown;
}

export interface ShutdownHooks {
  readonly log: (line: string) => void;
  readonly exit: (code: number) => void;
}

/**
 * Graceful shutdown on SIGINT/SIGTERM: the server sends 1001 to every client, waits
 * for their closes (bounded by its close timeout), then the process exits 0.
 * A second signal while closing is ignored: the close is already bounded.
 */
export function closeOnSignals(server: { close(): Promise<void> }, signals: SignalSource, hooks: ShutdownHooks): void {
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    hooks.log(`${signal}: closing connections (1001)`);
    server.close().then(
      () => hooks.exit(0),
      (error: unknown) => {
        hooks.log(`shutdown failed: ${String(error)}`);
        hooks.exit(1);
      },
    );
  };
  signals.on('SIGINT', () => stop('SIGINT'));
  signals.on('SIGTERM', () => stop('SIGTERM'));
}
