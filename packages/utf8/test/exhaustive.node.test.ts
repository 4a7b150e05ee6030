// Node only: this runs the exhaustive checks on the Node entry (src/node.ts, on node:buffer's
// isUtf8), which a browser does not have. In Chromium (tooling/browser) the portable entry, the
// one browsers get, runs the same checks through exhaustive.portable.test.ts.
import { exhaustiveSuite } from './exhaustive';
import { entries } from './impls';

exhaustiveSuite('node', entries.find(([name]) => name === 'node')![1]);
