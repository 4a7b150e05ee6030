import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCaseTable, type ConformanceCase } from '../src/cases.js';
import { DeflatePeerExtension } from '../src/deflate-extension.js';
import { type DeflateOffer, formatOffers } from '../src/deflate-negotiation.js';
import { loadReferenceCases, type ReferenceCase } from '../src/reference.js';
import { formatReport, runCase } from '../src/runner.js';
import { PATIENT } from './support/patient.js';
import { registerConformanceSuite, SUITE_TRANSPORTS } from './support/suite.js';
import { type RunningTarget, startTarget, targetInfo, titled } from './support/target.js';

/**
 * Autobahn|Testsuite category 13 (permessage-deflate, different parameters: every offer
 * combination of context takeover and window bits, several offers in one header), every
 * case id, against the echo server started with `deflate: true`, over ws:// and wss://.
 * Large cases send fewer messages than the suite (src/deflate-cases.ts, README).
 */
const info = await targetInfo();
registerConformanceSuite({
  title: 'Autobahn category 13 (permessage-deflate parameters)',
  info,
  categories: [13],
  target: { deflate: true },
});

/**
 * Beyond the suite: every Autobahn offer carries the client_no_context_takeover hint,
 * which binds the client (RFC 7692 §7.1.1.2), so 12.x/13.x never send the server a
 * message that refers to an earlier one, and never ask for client_max_window_bits or an
 * 8-bit window. These offers do; the case is 13.1.4's traffic (JSON, 1 KiB messages).
 */
const EXTRA_OFFERS: DeflateOffer[][] = [
  [{}],
  [{ clientMaxWindowBits: true }],
  [{ clientMaxWindowBits: 10 }],
  [{ clientMaxWindowBits: 9, serverMaxWindowBits: 10 }],
  [{ serverMaxWindowBits: 8, clientMaxWindowBits: 8 }],
  [{ serverMaxWindowBits: 8 }, {}],
];

function extraCase(): ConformanceCase {
  const template = loadReferenceCases().find((r) => r.id === '13.1.4') as ReferenceCase;
  const ref: ReferenceCase = {
    ...template,
    description: template.description.replace(/^Send 1000 /, 'Send 300 '),
  };
  return buildCaseTable([ref])[0] as ConformanceCase;
}

for (const transport of SUITE_TRANSPORTS) {
  describe.concurrent(titled(`permessage-deflate beyond the suite over ${transport.label}`, info), () => {
    let target: RunningTarget | undefined;
    beforeAll(async () => {
      target = await startTarget({ tls: transport.tls, http2: transport.http2, deflate: true });
    });
    afterAll(async () => {
      await target?.close();
    });
    const base = extraCase();
    for (const offers of EXTRA_OFFERS) {
      it(`300 JSON messages of 1 KiB, offer "${formatOffers(offers)}"`, async () => {
        if (!target) throw new Error('target server did not start');
        let ext: DeflatePeerExtension | undefined;
        const c = { ...base, extension: () => (ext = new DeflatePeerExtension(offers)) };
        const report = await runCase(c, target, PATIENT);
        if (report.verdict.problems.length > 0) {
          throw new Error(`${formatReport(c, report)}\n  agreed: ${ext?.describe()}`);
        }
        expect(ext?.negotiated).not.toBeNull();
      });
    }
  });
}
