// Both entries of the package, tested alike: the Node entry (the vitest alias of
// '@websock/utf8' points at src/node.ts, imported here by path) and the portable one.

import * as portableEntry from '../src/index';
import * as nodeEntry from '../src/node';

export interface Entry {
  isUtf8(bytes: Uint8Array): boolean;
  utf8ErrorOffset(bytes: Uint8Array): number;
  Utf8Validator: new () => {
    write(chunk: Uint8Array): boolean;
    end(): boolean;
    reset(): void;
    readonly errorOffset: number;
    readonly pending: boolean;
  };
}

export const entries: ReadonlyArray<readonly [name: string, entry: Entry]> = [
  ['node', nodeEntry],
  ['portable', portableEntry],
];
