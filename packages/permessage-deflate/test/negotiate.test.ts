import {
  type ExtensionOffer,
  negotiateExtensions,
  parseExtensionHeader,
  serializeExtensions,
} from '@websock/handshake';
import { describe, expect, it } from 'vitest';
import {
  acceptResponse,
  createNegotiator,
  createOffer,
  DeflateNegotiationError,
  type NegotiatedParams,
  type NegotiationOptions,
  negotiatePerMessageDeflate,
} from '../src/negotiate.js';

const DEFAULTS: NegotiatedParams = {
  serverNoContextTakeover: false,
  clientNoContextTakeover: false,
  serverMaxWindowBits: 15,
  clientMaxWindowBits: 15,
};

/** Server side on a raw header value: the response as a header string, or null. */
function serve(header: string, options?: NegotiationOptions): string | null {
  const result = negotiatePerMessageDeflate(parseExtensionHeader(header), options);
  return result === null ? null : serializeExtensions([result.response]);
}

function paramsOf(header: string, options?: NegotiationOptions): NegotiatedParams | undefined {
  return negotiatePerMessageDeflate(parseExtensionHeader(header), options)?.params;
}

function element(header: string): ExtensionOffer {
  const [first] = parseExtensionHeader(header);
  if (first === undefined) throw new Error('no element');
  return first;
}

describe('server negotiation: RFC 7692 §7.1 examples', () => {
  it('accepts a bare offer with a bare response and full context takeover', () => {
    expect(serve('permessage-deflate')).toBe('permessage-deflate');
    expect(paramsOf('permessage-deflate')).toEqual(DEFAULTS);
  });

  it('accepts "client_max_window_bits" (§7.1.2.2): silent at 15, answered when the policy is smaller', () => {
    expect(serve('permessage-deflate; client_max_window_bits')).toBe('permessage-deflate');
    expect(serve('permessage-deflate; client_max_window_bits', { clientMaxWindowBits: 10 })).toBe(
      'permessage-deflate; client_max_window_bits=10',
    );
    expect(paramsOf('permessage-deflate; client_max_window_bits', { clientMaxWindowBits: 10 })).toEqual({
      ...DEFAULTS,
      clientMaxWindowBits: 10,
    });
  });

  it('accepts the first of two offers, and the second when the first is unacceptable (§7.1.3)', () => {
    const header =
      'permessage-deflate; client_max_window_bits; server_max_window_bits=10, permessage-deflate; client_max_window_bits';
    expect(serve(header)).toBe('permessage-deflate; server_max_window_bits=10');
    expect(paramsOf(header)).toEqual({ ...DEFAULTS, serverMaxWindowBits: 10 });
    const badFirst = 'permessage-deflate; server_max_window_bits=16, permessage-deflate; client_max_window_bits';
    expect(serve(badFirst)).toBe('permessage-deflate');
  });

  it('answers the requested server_no_context_takeover and echoes client_no_context_takeover (§7.1.1)', () => {
    expect(serve('permessage-deflate; server_no_context_takeover; client_no_context_takeover')).toBe(
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover',
    );
    expect(paramsOf('permessage-deflate; server_no_context_takeover; client_no_context_takeover')).toEqual({
      ...DEFAULTS,
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
    });
  });

  it('answers a requested server window with the same or a smaller value (§7.1.2.1)', () => {
    expect(serve('permessage-deflate; server_max_window_bits=12')).toBe(
      'permessage-deflate; server_max_window_bits=12',
    );
    expect(serve('permessage-deflate; server_max_window_bits=12', { serverMaxWindowBits: 10 })).toBe(
      'permessage-deflate; server_max_window_bits=10',
    );
    expect(serve('permessage-deflate; server_max_window_bits=9', { serverMaxWindowBits: 10 })).toBe(
      'permessage-deflate; server_max_window_bits=9',
    );
    // Window 8 is accepted: zlib runs it as 9, which never reaches back past 250 bytes (see the codec).
    expect(serve('permessage-deflate; server_max_window_bits=8')).toBe('permessage-deflate; server_max_window_bits=8');
  });

  it('limits itself and the client unasked where the RFC allows, never client_max_window_bits unoffered', () => {
    const policy: NegotiationOptions = {
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 11,
      clientMaxWindowBits: 9,
    };
    expect(serve('permessage-deflate', policy)).toBe(
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=11',
    );
    // The client never offered client_max_window_bits: its window stays 15 for our inflater.
    expect(paramsOf('permessage-deflate', policy)).toEqual({
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 11,
      clientMaxWindowBits: 15,
    });
    expect(serve('permessage-deflate; client_max_window_bits=12', policy)).toBe(
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=11; client_max_window_bits=9',
    );
  });

  it('answers an offered client window value explicitly, capped by the policy', () => {
    expect(serve('permessage-deflate; client_max_window_bits=12')).toBe(
      'permessage-deflate; client_max_window_bits=12',
    );
    expect(serve('permessage-deflate; client_max_window_bits=12', { clientMaxWindowBits: 10 })).toBe(
      'permessage-deflate; client_max_window_bits=10',
    );
    expect(serve('permessage-deflate; client_max_window_bits=9', { clientMaxWindowBits: 10 })).toBe(
      'permessage-deflate; client_max_window_bits=9',
    );
  });

  it('accepts quoted values, which arrive unquoted from the header parser (RFC 6455 §9.1)', () => {
    expect(serve('permessage-deflate; server_max_window_bits="10"; client_max_window_bits="9"')).toBe(
      'permessage-deflate; server_max_window_bits=10; client_max_window_bits=9',
    );
  });

  it('skips elements of other extensions and declines when nothing is acceptable', () => {
    expect(serve('x-webkit-deflate-frame, permessage-deflate; server_max_window_bits=9')).toBe(
      'permessage-deflate; server_max_window_bits=9',
    );
    expect(serve('x-webkit-deflate-frame')).toBeNull();
    expect(negotiatePerMessageDeflate([])).toBeNull();
  });
});

describe('server negotiation: offers that are declined (then the next one is tried)', () => {
  const bad = [
    [
      'duplicated server_no_context_takeover',
      'permessage-deflate; server_no_context_takeover; server_no_context_takeover',
    ],
    [
      'duplicated client_no_context_takeover',
      'permessage-deflate; client_no_context_takeover; client_no_context_takeover',
    ],
    ['duplicated server_max_window_bits', 'permessage-deflate; server_max_window_bits=10; server_max_window_bits=10'],
    ['duplicated client_max_window_bits', 'permessage-deflate; client_max_window_bits; client_max_window_bits=10'],
    ['server_max_window_bits without a value', 'permessage-deflate; server_max_window_bits'],
    ['server_max_window_bits=7', 'permessage-deflate; server_max_window_bits=7'],
    ['server_max_window_bits=16', 'permessage-deflate; server_max_window_bits=16'],
    ['server_max_window_bits=0', 'permessage-deflate; server_max_window_bits=0'],
    ['server_max_window_bits=08 (leading zero)', 'permessage-deflate; server_max_window_bits=08'],
    ['server_max_window_bits=010', 'permessage-deflate; server_max_window_bits=010'],
    ['server_max_window_bits=+9', 'permessage-deflate; server_max_window_bits=+9'],
    ['server_max_window_bits=9.0', 'permessage-deflate; server_max_window_bits=9.0'],
    ['server_max_window_bits=abc', 'permessage-deflate; server_max_window_bits=abc'],
    ['quoted server_max_window_bits="16"', 'permessage-deflate; server_max_window_bits="16"'],
    ['client_max_window_bits=7', 'permessage-deflate; client_max_window_bits=7'],
    ['client_max_window_bits=16', 'permessage-deflate; client_max_window_bits=16'],
    ['client_max_window_bits=1e1', 'permessage-deflate; client_max_window_bits=1e1'],
    ['server_no_context_takeover with a value', 'permessage-deflate; server_no_context_takeover=true'],
    ['client_no_context_takeover with a value', 'permessage-deflate; client_no_context_takeover=1'],
    ['an unknown parameter', 'permessage-deflate; foo'],
    ['an unknown parameter with a value', 'permessage-deflate; mux=1'],
    ['a parameter in the wrong case', 'permessage-deflate; Server_No_Context_Takeover'],
  ] as const;

  for (const [what, header] of bad) {
    it(`declines an offer with ${what}`, () => {
      expect(serve(header)).toBeNull();
      expect(serve(`${header}, permessage-deflate; client_max_window_bits=11`)).toBe(
        'permessage-deflate; client_max_window_bits=11',
      );
    });
  }
});

describe('server negotiation: options', () => {
  it('rejects invalid window sizes as RangeError', () => {
    expect(() => negotiatePerMessageDeflate([], { serverMaxWindowBits: 16 })).toThrow(RangeError);
    expect(() => negotiatePerMessageDeflate([], { clientMaxWindowBits: 7 })).toThrow(RangeError);
    expect(() => negotiatePerMessageDeflate([], { serverMaxWindowBits: 9.5 })).toThrow(RangeError);
    expect(() => createNegotiator({ serverMaxWindowBits: 0 })).toThrow(RangeError);
  });

  it('plugs into negotiateExtensions and tells the params of its own answers', () => {
    const negotiator = createNegotiator({ serverNoContextTakeover: true });
    const offers = parseExtensionHeader('x-foo, permessage-deflate; client_max_window_bits=10, permessage-deflate');
    const accepted = negotiateExtensions(offers, [negotiator]);
    expect(serializeExtensions(accepted)).toBe(
      'permessage-deflate; server_no_context_takeover; client_max_window_bits=10',
    );
    expect(negotiator.paramsOf(accepted[0]!)).toEqual({
      ...DEFAULTS,
      serverNoContextTakeover: true,
      clientMaxWindowBits: 10,
    });
    expect(negotiator.paramsOf({ name: 'permessage-deflate', params: [] })).toBeUndefined();
    expect(negotiateExtensions(parseExtensionHeader('permessage-deflate; bogus'), [negotiator])).toEqual([]);
  });
});

describe('client offer', () => {
  it('offers client_max_window_bits bare by default', () => {
    expect(serializeExtensions([createOffer()])).toBe('permessage-deflate; client_max_window_bits');
  });

  it('turns every option into its parameter', () => {
    expect(
      serializeExtensions([
        createOffer({
          serverNoContextTakeover: true,
          clientNoContextTakeover: true,
          serverMaxWindowBits: 10,
          clientMaxWindowBits: 11,
        }),
      ]),
    ).toBe(
      'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=10; client_max_window_bits=11',
    );
    expect(serializeExtensions([createOffer({ clientMaxWindowBits: false })])).toBe('permessage-deflate');
  });

  it('rejects invalid window sizes as RangeError', () => {
    expect(() => createOffer({ serverMaxWindowBits: 7 })).toThrow(RangeError);
    expect(() => createOffer({ clientMaxWindowBits: 16 })).toThrow(RangeError);
  });
});

describe('client validation of the server response (RFC 7692 §7.1)', () => {
  const accept = (response: string, offer: string | string[]) =>
    acceptResponse(element(response), Array.isArray(offer) ? offer.map(element) : element(offer));

  it('accepts the plain answer to the default offer', () => {
    expect(accept('permessage-deflate', 'permessage-deflate; client_max_window_bits')).toEqual(DEFAULTS);
    expect(
      accept('permessage-deflate; client_max_window_bits=10', 'permessage-deflate; client_max_window_bits'),
    ).toEqual({ ...DEFAULTS, clientMaxWindowBits: 10 });
  });

  it('accepts what a server may add unasked: no_context_takeover both ways, server_max_window_bits', () => {
    expect(
      accept(
        'permessage-deflate; server_no_context_takeover; client_no_context_takeover; server_max_window_bits=9',
        'permessage-deflate',
      ),
    ).toEqual({ ...DEFAULTS, serverNoContextTakeover: true, clientNoContextTakeover: true, serverMaxWindowBits: 9 });
  });

  it('keeps promises made in the offer: client_no_context_takeover and a client window value', () => {
    expect(
      accept('permessage-deflate', 'permessage-deflate; client_no_context_takeover; client_max_window_bits=12'),
    ).toEqual({ ...DEFAULTS, clientNoContextTakeover: true, clientMaxWindowBits: 12 });
  });

  it('accepts answers within what was requested', () => {
    expect(
      accept('permessage-deflate; server_max_window_bits=10', 'permessage-deflate; server_max_window_bits=10'),
    ).toEqual({ ...DEFAULTS, serverMaxWindowBits: 10 });
    expect(
      accept('permessage-deflate; server_max_window_bits=9', 'permessage-deflate; server_max_window_bits=10'),
    ).toEqual({ ...DEFAULTS, serverMaxWindowBits: 9 });
    expect(
      accept('permessage-deflate; client_max_window_bits=8', 'permessage-deflate; client_max_window_bits=9'),
    ).toEqual({
      ...DEFAULTS,
      clientMaxWindowBits: 8,
    });
  });

  it('matches the response against several offers (Autobahn 13.7)', () => {
    const offers = [
      'permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover; server_max_window_bits=9',
      'permessage-deflate; client_no_context_takeover; client_max_window_bits; server_no_context_takeover',
      'permessage-deflate; client_no_context_takeover; client_max_window_bits',
    ];
    expect(accept('permessage-deflate; client_no_context_takeover', offers)).toEqual({
      ...DEFAULTS,
      clientNoContextTakeover: true,
    });
    expect(accept('permessage-deflate; server_no_context_takeover; server_max_window_bits=9', offers)).toEqual({
      ...DEFAULTS,
      serverNoContextTakeover: true,
      clientNoContextTakeover: true,
      serverMaxWindowBits: 9,
    });
  });

  const failures = [
    [
      'client_max_window_bits that was not offered',
      'permessage-deflate; client_max_window_bits=10',
      'permessage-deflate',
    ],
    [
      'client_max_window_bits above the offered value',
      'permessage-deflate; client_max_window_bits=12',
      'permessage-deflate; client_max_window_bits=10',
    ],
    [
      'client_max_window_bits without a value',
      'permessage-deflate; client_max_window_bits',
      'permessage-deflate; client_max_window_bits',
    ],
    [
      'server_max_window_bits above the requested value',
      'permessage-deflate; server_max_window_bits=11',
      'permessage-deflate; server_max_window_bits=10',
    ],
    [
      'a requested server_max_window_bits left unanswered',
      'permessage-deflate',
      'permessage-deflate; server_max_window_bits=10',
    ],
    [
      'a requested server_no_context_takeover left unanswered',
      'permessage-deflate',
      'permessage-deflate; server_no_context_takeover',
    ],
    ['server_max_window_bits without a value', 'permessage-deflate; server_max_window_bits', 'permessage-deflate'],
    ['server_max_window_bits=16', 'permessage-deflate; server_max_window_bits=16', 'permessage-deflate'],
    ['server_max_window_bits=7', 'permessage-deflate; server_max_window_bits=7', 'permessage-deflate'],
    [
      'a duplicated parameter',
      'permessage-deflate; server_no_context_takeover; server_no_context_takeover',
      'permessage-deflate',
    ],
    ['an unknown parameter', 'permessage-deflate; x', 'permessage-deflate'],
    [
      'a value on a no_context_takeover parameter',
      'permessage-deflate; client_no_context_takeover=1',
      'permessage-deflate',
    ],
  ] as const;

  for (const [what, response, offer] of failures) {
    it(`fails the connection on ${what}`, () => {
      let caught: unknown;
      try {
        accept(response, offer);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(DeflateNegotiationError);
      expect(caught).toMatchObject({ code: 'WS_ERR_INVALID_EXTENSIONS', closeCode: 1010 });
    });
  }

  it('treats a response for another extension, or an invalid own offer, as misuse (TypeError)', () => {
    expect(() => acceptResponse({ name: 'x-foo', params: [] }, createOffer())).toThrow(TypeError);
    expect(() => acceptResponse(element('permessage-deflate'), element('permessage-deflate; bogus'))).toThrow(
      TypeError,
    );
  });

  it('fails when no permessage-deflate offer was made', () => {
    expect(() => acceptResponse(element('permessage-deflate'), [element('x-foo')])).toThrow(DeflateNegotiationError);
  });
});

describe('both sides agree on every parameter combination', () => {
  const offers: ExtensionOffer[] = [];
  const bitsValues = [undefined, 8, 9, 10, 11, 12, 13, 14, 15] as const;
  for (const snct of [false, true]) {
    for (const cnct of [false, true]) {
      for (const smwb of bitsValues) {
        for (const cmwb of [undefined, true, ...bitsValues.slice(1)] as const) {
          const params: ExtensionOffer['params'] = [];
          if (snct) params.push(['server_no_context_takeover', true]);
          if (cnct) params.push(['client_no_context_takeover', true]);
          if (smwb !== undefined) params.push(['server_max_window_bits', String(smwb)]);
          if (cmwb !== undefined) params.push(['client_max_window_bits', cmwb === true ? true : String(cmwb)]);
          offers.push({ name: 'permessage-deflate', params });
        }
      }
    }
  }
  const policies: NegotiationOptions[] = [
    {},
    { serverNoContextTakeover: true },
    { clientNoContextTakeover: true },
    { serverMaxWindowBits: 10, clientMaxWindowBits: 9 },
    { serverMaxWindowBits: 8, clientMaxWindowBits: 8, serverNoContextTakeover: true, clientNoContextTakeover: true },
  ];

  it(`negotiates ${offers.length} offers x ${policies.length} policies consistently`, () => {
    expect(offers).toHaveLength(360);
    for (const policy of policies) {
      for (const offer of offers) {
        const result = negotiatePerMessageDeflate([offer], policy);
        expect(result).not.toBeNull();
        const { response, params } = result!;
        const offered = new Map(offer.params);
        const answered = new Map(response.params);
        // The server's answer obeys §7.1 ...
        if (offered.has('server_no_context_takeover')) expect(answered.get('server_no_context_takeover')).toBe(true);
        if (offered.has('server_max_window_bits')) {
          expect(Number(answered.get('server_max_window_bits'))).toBeLessThanOrEqual(
            Number(offered.get('server_max_window_bits')),
          );
        }
        if (!offered.has('client_max_window_bits')) expect(answered.has('client_max_window_bits')).toBe(false);
        if (typeof offered.get('client_max_window_bits') === 'string') {
          expect(Number(answered.get('client_max_window_bits'))).toBeLessThanOrEqual(
            Number(offered.get('client_max_window_bits')),
          );
        }
        // ... survives the header round trip, and the client derives the same parameters.
        const [reparsed] = parseExtensionHeader(serializeExtensions([response]));
        expect(acceptResponse(reparsed!, offer)).toEqual(params);
        expect(params.serverMaxWindowBits).toBeLessThanOrEqual(policy.serverMaxWindowBits ?? 15);
      }
    }
  });
});
