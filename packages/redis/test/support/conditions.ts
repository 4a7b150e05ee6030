// Waiting on events, not time: a condition is re-checked after every event its owner sees;
// the timeout only guards against a hang.

/** Conditions re-checked after every event of their owner. */
export class Conditions {
  readonly #checks = new Set<() => void>();

  /** `label` starts the error of a wait that times out; `guardMs` only guards against a hang. */
  constructor(
    private readonly label = '',
    private readonly guardMs = 20_000,
  ) {}

  until(condition: () => boolean, what: string): Promise<void> {
    if (condition()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const failure = new Error(`${this.label}still waiting for ${what}`);
      const check = () => {
        try {
          if (!condition()) return;
        } catch (error) {
          this.#checks.delete(check);
          clearTimeout(guard);
          reject(error);
          return;
        }
        this.#checks.delete(check);
        clearTimeout(guard);
        resolve();
      };
      const guard = setTimeout(() => {
        this.#checks.delete(check);
        reject(failure);
      }, this.guardMs);
      this.#checks.add(check);
    });
  }

  poke(): void {
    for (const check of [...this.#checks]) check();
  }
}
