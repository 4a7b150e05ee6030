export interface SelfSignedCert {
  /** PEM certificate for localhost, 127.0.0.1 and ::1. */
  readonly cert: string;
  /** PEM private key. */
  readonly key: string;
}

/** A throwaway self-signed certificate made with the `openssl` command, for tests and local wss://. */
export function generateSelfSignedCert(): Promise<SelfSignedCert>;
