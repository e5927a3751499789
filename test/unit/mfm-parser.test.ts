/**
 * The MFM parser (src/render/mfm/parser, a port of mfm-js's) against mfm-js itself: exactly the
 * same trees for every fixture text, the benchmark's MFM, the golden corpus, thousands of seeded
 * random MFM-ish texts and other nest limits. A failure shows the text.
 */
import * as mfm from 'mfm-js';
import { MFM_LINES, PROSE_LINES, repeatTo } from '../../bench/lib/payloads';
import { parse, parseSimple, parseWithin } from '../../src/render/mfm/parser';
import { allFixtures } from '../helpers/fixtures';
import { goldenMfmCorpus } from '../helpers/mfm-corpus';
import { deeplyNested, randomMfmTexts } from '../helpers/mfm-random';
import { seededRandom } from '../helpers/seeded-random';

function expectSame(text: string, nestLimit?: number): void {
  const options = nestLimit === undefined ? {} : { nestLimit };
  expect({ text, nestLimit, nodes: parse(text, options) }).toEqual({ text, nestLimit, nodes: mfm.parse(text, options) });
}

function expectSameSimple(text: string): void {
  expect({ text, nodes: parseSimple(text) }).toEqual({ text, nodes: mfm.parseSimple(text) });
}

/** Every text, CW and name in a fixture body. */
function fixtureTexts(value: unknown, into: string[] = []): string[] {
  if (Array.isArray(value)) for (const item of value) fixtureTexts(item, into);
  else if (value !== null && typeof value === 'object') {
    for (const [key, item] of Object.entries(value)) {
      if (typeof item === 'string' && (key === 'text' || key === 'cw' || key === 'name')) into.push(item);
      else fixtureTexts(item, into);
    }
  }
  return into;
}

/** The golden corpus; the pathological entries cut to a length mfm-js gets through quickly. */
const corpus = goldenMfmCorpus().map(({ name, text }) => (name.startsWith('pathological') ? text.slice(0, 200) : text));

describe('the MFM parser gives what mfm-js gives', () => {
  it('for every text, CW and name of the shared fixtures', () => {
    const texts = allFixtures().flatMap((fixture) => fixtureTexts(fixture.body));
    expect(texts.length).toBeGreaterThan(30);
    for (const text of texts) expectSame(text);
  });

  it('for the benchmark lines and long notes made of them', () => {
    for (const line of [...MFM_LINES, ...PROSE_LINES]) expectSame(line);
    for (const lines of [MFM_LINES, PROSE_LINES, [...MFM_LINES].reverse(), [...MFM_LINES, ...PROSE_LINES]]) {
      for (const length of [500, 2000, 3000]) expectSame(repeatTo(lines, length));
    }
  });

  it('for the golden corpus', () => {
    for (const text of corpus) expectSame(text);
  });

  it('for 4,000 random MFM-ish texts', () => {
    for (const text of randomMfmTexts(20250101, 4000)) expectSame(text);
  });

  it('for 300 longer random texts', () => {
    for (const text of randomMfmTexts(7, 300, 60)) expectSame(text);
  });

  it('for text nested past the nest limit', () => {
    const next = seededRandom(42);
    for (let i = 0; i < 200; i++) expectSame(deeplyNested(next, 15 + Math.floor(next() * 15)));
    for (const [open, close] of [['**', '**'], ['<small>', '</small>'], ['$[x2 ', ']'], ['> ', ''], ['[', '](https://a.example)'], ['#a(', ')'], ['https://a.example/(', ')']]) {
      for (const levels of [19, 20, 21, 25]) expectSame(`${open!.repeat(levels)}x :e: 🍣 @a${close!.repeat(levels)}`);
    }
  });

  it('with other nest limits', () => {
    const nested = ['**a <i>b ~~c $[x2 d]~~</i>**', '> > > q **b**', '[**l**](https://a.example/(b(c)))', '#a(b(c(d)))', '<center>**$[x2 c]**</center>', 'https://a.example/[a[b[c]]]'];
    for (const nestLimit of [0, 1, 2, 3, 5]) {
      for (const text of nested) expectSame(text, nestLimit);
      for (const text of randomMfmTexts(nestLimit + 100, 300)) expectSame(text, nestLimit);
    }
  });
});

describe('parseSimple gives what mfm-js gives', () => {
  it('for fixtures, the benchmark lines and random texts', () => {
    for (const text of [...MFM_LINES, ...PROSE_LINES, ...corpus, ...randomMfmTexts(3, 1000)]) expectSameSimple(text);
  });
});

describe('parseWithin', () => {
  it('gives the tree when the text takes no more steps than allowed', () => {
    for (const text of randomMfmTexts(11, 200)) expect({ text, nodes: parseWithin(text, 20 * text.length + 1000) }).toEqual({ text, nodes: parse(text) });
  });

  it('gives up (null) on backtracking past the limit, quickly', () => {
    for (const text of ['['.repeat(3000), '\\([)'.repeat(750), '[**'.repeat(1000)]) {
      const started = performance.now();
      expect(parseWithin(text, 60_000)).toBeNull();
      expect(performance.now() - started).toBeLessThan(100);
    }
  });
});
