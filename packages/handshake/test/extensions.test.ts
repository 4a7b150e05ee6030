import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type ExtensionNegotiator,
  type ExtensionOffer,
  HandshakeRejection,
  negotiateExtensions,
  parseExtensionHeader,
  serializeExtensions,
} from '../src/index.js';

function rejects(value: string | string[]): HandshakeRejection {
  try {
    parseExtensionHeader(value);
  } catch (error) {
    expect(error).toBeInstanceOf(HandshakeRejection);
    return error as HandshakeRejection;
  }
  throw new Error(`accepted ${JSON.stringify(value)}`);
}

describe('parseExtensionHeader (RFC 6455 §9.1)', () => {
  it('parses the RFC 7692 examples', () => {
    expect(parseExtensionHeader('permessage-deflate; client_max_window_bits; server_max_window_bits=10')).toEqual([
      {
        name: 'permessage-deflate',
        params: [
          ['client_max_window_bits', true],
          ['server_max_window_bits', '10'],
        ],
      },
    ]);
    expect(parseExtensionHeader('permessage-deflate; server_max_window_bits=10, permessage-deflate')).toEqual([
      { name: 'permessage-deflate', params: [['server_max_window_bits', '10']] },
      { name: 'permessage-deflate', params: [] },
    ]);
  });

  it('treats absent and empty headers as no offers', () => {
    expect(parseExtensionHeader(undefined)).toEqual([]);
    expect(parseExtensionHeader('')).toEqual([]);
    expect(parseExtensionHeader(' , ,')).toEqual([]);
    expect(parseExtensionHeader([])).toEqual([]);
  });

  it('joins repeated header lines in order', () => {
    expect(parseExtensionHeader(['a; x', 'b, c; y=1'])).toEqual([
      { name: 'a', params: [['x', true]] },
      { name: 'b', params: [] },
      { name: 'c', params: [['y', '1']] },
    ]);
  });

  it('accepts OWS around separators and unquotes quoted-strings', () => {
    expect(parseExtensionHeader(' a ;\tx = "1" ; y="tok\\en" ,b ')).toEqual([
      {
        name: 'a',
        params: [
          ['x', '1'],
          ['y', 'token'],
        ],
      },
      { name: 'b', params: [] },
    ]);
  });

  it('keeps repeated parameters and repeated offers for the extension to judge', () => {
    expect(parseExtensionHeader('x; a; a=1, x')).toEqual([
      {
        name: 'x',
        params: [
          ['a', true],
          ['a', '1'],
        ],
      },
      { name: 'x', params: [] },
    ]);
  });

  it('keeps a quoted comma-free token next to a comma outside quotes', () => {
    expect(parseExtensionHeader('a; p="v",b')).toEqual([
      { name: 'a', params: [['p', 'v']] },
      { name: 'b', params: [] },
    ]);
  });

  const malformed = [
    ';',
    'a;',
    'a; ',
    'a;;b',
    'a; =1',
    'a; p=',
    'a; p= ,b',
    'a b',
    'a, b c',
    'a; p=1 2',
    'a; p="1',
    'a; p="a b"',
    'a; p=""',
    'a; p="a,b"',
    'a; p="x\\',
    'a; p="\x01"',
    'a; p=x"y"',
    '"a"',
    'a=1',
    'a; p=1; ',
    'a; p==1',
    'a/b',
    'a; p=(1)',
    'a\r\n; p',
    'ä',
  ];
  for (const value of malformed) {
    it(`rejects ${JSON.stringify(value)} with 400`, () => {
      const error = rejects(value);
      expect(error.status).toBe(400);
      expect(error.code).toBe('WS_ERR_INVALID_EXTENSIONS');
    });
  }

  it('rejects a malformed line among good ones', () => {
    expect(rejects(['a', 'b;']).status).toBe(400);
  });
});

describe('serializeExtensions', () => {
  it('writes names, bare parameters and token values', () => {
    expect(
      serializeExtensions([
        {
          name: 'permessage-deflate',
          params: [
            ['client_max_window_bits', true],
            ['server_max_window_bits', '10'],
          ],
        },
        { name: 'x', params: [] },
      ]),
    ).toBe('permessage-deflate; client_max_window_bits; server_max_window_bits=10, x');
    expect(serializeExtensions([])).toBe('');
  });

  it('refuses non-tokens with a TypeError (no quoting, no injection)', () => {
    const bad: ExtensionOffer[] = [
      { name: '', params: [] },
      { name: 'a b', params: [] },
      { name: 'a', params: [['p q', true]] },
      { name: 'a', params: [['p', 'x y']] },
      { name: 'a', params: [['p', '']] },
      { name: 'a', params: [['p', 'x\r\nSet-Cookie: y']] },
      { name: 'a', params: [['p', false as unknown as true]] },
    ];
    for (const offer of bad) expect(() => serializeExtensions([offer])).toThrow(TypeError);
  });

  const tchar = fc.constantFrom(
    ..."!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ".split(''),
  );
  const token = fc.string({ unit: tchar, minLength: 1, maxLength: 12 });
  const offer = fc.record({
    name: token,
    params: fc.array(fc.tuple(token, fc.oneof(fc.constant(true as const), token)), { maxLength: 5 }),
  });

  it('round-trips: serialize → parse is the identity (property)', () => {
    fc.assert(
      fc.property(fc.array(offer, { maxLength: 6 }), (offers) => {
        expect(parseExtensionHeader(serializeExtensions(offers))).toEqual(offers);
      }),
      { numRuns: 500 },
    );
  });

  it('round-trips whatever spelling the header used: quoted values, OWS, split lines (property)', () => {
    const spelled = fc.array(
      fc.tuple(offer, fc.array(fc.boolean(), { minLength: 5, maxLength: 5 }), fc.constantFrom('', ' ', '\t', '  ')),
      { minLength: 1, maxLength: 5 },
    );
    fc.assert(
      fc.property(spelled, fc.boolean(), (items, splitLines) => {
        const elements = items.map(([o, quote, ows]) => {
          let text = o.name;
          o.params.forEach(([name, value], i) => {
            text += `${ows};${ows}${name}`;
            if (value !== true) {
              const escaped = value.replace(/./g, (ch) => (ch === 'a' ? '\\a' : ch));
              text += `${ows}=${ows}${quote[i] ? `"${escaped}"` : value}`;
            }
          });
          return text;
        });
        const header = splitLines ? elements : elements.join(' ,, ');
        const offers = items.map(([o]) => o);
        expect(parseExtensionHeader(header)).toEqual(offers);
        expect(parseExtensionHeader(serializeExtensions(parseExtensionHeader(header)))).toEqual(offers);
      }),
      { numRuns: 300 },
    );
  });
});

describe('negotiateExtensions', () => {
  const acceptFirst = (name: string, log: ExtensionOffer[][] = []): ExtensionNegotiator => ({
    name,
    negotiate(offers) {
      log.push(offers);
      return { name, params: offers[0]!.params.filter(([p]) => p !== 'client_max_window_bits') };
    },
  });

  it('hands each negotiator all offers for its name and keeps the client order', () => {
    const offers = parseExtensionHeader('b, a; x=1; client_max_window_bits, c, a; y');
    const log: ExtensionOffer[][] = [];
    const accepted = negotiateExtensions(offers, [acceptFirst('a', log), acceptFirst('b')]);
    expect(log).toEqual([
      [
        {
          name: 'a',
          params: [
            ['x', '1'],
            ['client_max_window_bits', true],
          ],
        },
        { name: 'a', params: [['y', true]] },
      ],
    ]);
    expect(accepted).toEqual([
      { name: 'b', params: [] },
      { name: 'a', params: [['x', '1']] },
    ]);
    expect(serializeExtensions(accepted)).toBe('b, a; x=1');
  });

  it('declines offers nobody negotiates and lets a negotiator decline', () => {
    const none: ExtensionNegotiator = { name: 'a', negotiate: () => null };
    expect(negotiateExtensions(parseExtensionHeader('a, z'), [none])).toEqual([]);
    expect(negotiateExtensions([], [none])).toEqual([]);
  });

  it('does not call a negotiator without offers', () => {
    let called = false;
    const n: ExtensionNegotiator = {
      name: 'a',
      negotiate: () => {
        called = true;
        return null;
      },
    };
    negotiateExtensions(parseExtensionHeader('b'), [n]);
    expect(called).toBe(false);
  });

  it('lets a negotiator refuse the whole handshake', () => {
    const strict: ExtensionNegotiator = {
      name: 'a',
      negotiate: () => {
        throw new HandshakeRejection(400, 'bad a', { code: 'X' });
      },
    };
    expect(() => negotiateExtensions(parseExtensionHeader('a'), [strict])).toThrow(HandshakeRejection);
  });

  it('flags misuse: duplicate negotiators, answers for another name', () => {
    expect(() => negotiateExtensions([], [acceptFirst('a'), acceptFirst('a')])).toThrow(TypeError);
    const wrong: ExtensionNegotiator = { name: 'a', negotiate: () => ({ name: 'b', params: [] }) };
    expect(() => negotiateExtensions(parseExtensionHeader('a'), [wrong])).toThrow(TypeError);
  });
});
