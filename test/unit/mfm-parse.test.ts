/**
 * The shortcuts around mfm-js: plain text taken as one text node without parsing, and text
 * without nesting syntax parsed in this thread. Both must give exactly what mfm.parse gives, and
 * what is parsed here must never take long.
 */
import fc from 'fast-check';
import * as mfm from 'mfm-js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import workerThreads from 'node:worker_threads';
import { isPlainText, parseBounded, parsesInThisThread, stopMfmParser } from '../../src/render/mfm/parse';

afterAll(() => stopMfmParser());

interface CorpusEntry {
  name: string;
  text?: string;
  parts?: [string, number][];
}
const corpus = (JSON.parse(readFileSync(join(__dirname, '..', 'golden', 'mfm', 'corpus.json'), 'utf8')) as { mfm: CorpusEntry[] }).mfm
  .filter((e) => e.text !== undefined || e.parts !== undefined)
  .map((e) => ({ name: e.name, text: e.text ?? (e.parts ?? []).map(([piece, times]) => piece.repeat(times)).join('') }));

/** Pieces of text both shortcuts have to tell apart: syntax, near-syntax and plain text. */
const FRAGMENTS = [
  'a', 'Z', '0', '9', ' ', '\t', '\n', '.', ',', '!', '?', "'", '"', '%', '&', '=', ';', '+', '-', '/', '、', '。', 'あ', 'ア',
  'ー', '漢', '！', '？', 'search', 'Search', ' search', ' [search]', '検索', ' 検索', '検', '索', ':', ':a:', ':smile:', '@',
  '@alice', '@a@b.example', '#', '#tag', '#123', 'https://', 'https://a.example/x', 'http://a.example', '`', '`code`',
  '```', '```\ncode\n```', '> ', '>', '<', '<b>', '</b>', '<center>', '<plain>', '<https://a.example>', '*', '**', '_', '__',
  '~~', '$[x2 ', '$[', ']', '[', '](https://a.example)', '?[', '(', ')', '（', '「', '\\(', '\\)', '\\[', '🍣', '👍🏽',
  '1️⃣', '#️⃣', '©', '™', '〽', '㊗', '\u200d', '\ufe0f', '🇯🇵',
];
const mfmish = fc
  .array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ maxLength: 3 }), fc.string({ unit: 'grapheme', maxLength: 2 })), { maxLength: 40 })
  .map((parts) => parts.join(''));
const plainish = fc
  .array(fc.constantFrom(...FRAGMENTS.filter((fragment) => isPlainText(fragment))), { maxLength: 60 })
  .map((parts) => parts.join(''));

describe('the parser thread', () => {
  it('starts on the first text that needs it, not before', () => {
    const { Worker } = workerThreads;
    const spawn = jest.spyOn(workerThreads, 'Worker').mockImplementation((...args) => new Worker(...args));
    try {
      parseBounded('plain words only');
      parseBounded('@alice look at https://a.example #tag :smile: 🍣 `code`');
      expect(spawn).not.toHaveBeenCalled();
      expect(parseBounded('**bold** [l](https://a.example)')).toEqual(mfm.parse('**bold** [l](https://a.example)'));
      expect(spawn).toHaveBeenCalledTimes(1);
    } finally {
      spawn.mockRestore();
    }
  });
});

describe('plain text shortcut', () => {
  it('takes only text that mfm-js parses into a single text node, and gives that node', () => {
    fc.assert(
      fc.property(fc.oneof(mfmish, plainish), (text) => {
        if (!isPlainText(text)) return true;
        expect(parseBounded(text)).toEqual(mfm.parse(text));
        return true;
      }),
      { numRuns: 3000 },
    );
  });

  it('every character it accepts is text on its own, next to letters and doubled', () => {
    for (let code = 0; code < 0x10000; code++) {
      const char = String.fromCharCode(code);
      if (!isPlainText(char)) continue;
      for (const text of [char, `a${char}${char}b`, `${char}\n${char}`]) {
        expect({ code, nodes: mfm.parse(text) }).toEqual({ code, nodes: [{ type: 'text', props: { text } }] });
      }
    }
  });

  it('refuses syntax', () => {
    for (const text of ['**x**', ':a:', '@a', '#t', 'https://a.example', '🍣', 'a search', '1️⃣', '`c`', '> q']) expect(isPlainText(text)).toBe(false);
    expect(isPlainText('')).toBe(true);
    expect(parseBounded('')).toEqual([]);
  });
});

describe('parsing in this thread', () => {
  it('gives what mfm.parse gives', () => {
    fc.assert(
      fc.property(fc.oneof(mfmish, plainish), (text) => {
        if (!parsesInThisThread(text)) return true;
        expect(parseBounded(text)).toEqual(mfm.parse(text));
        return true;
      }),
      { numRuns: 2000 },
    );
  });

  it('refuses every hostile and pathological corpus entry that nests', () => {
    for (const name of ['pathological brackets', 'pathological math', 'deep bold 500', 'deep stars 500', 'deep quote 500', 'deep fn 500']) {
      const entry = corpus.find((e) => e.name === name)!;
      expect({ name, inThisThread: parsesInThisThread(entry.text) }).toEqual({ name, inThisThread: false });
    }
    expect(parsesInThisThread('['.repeat(3000))).toBe(false);
    expect(parsesInThisThread('\\([)'.repeat(500))).toBe(false);
    expect(parsesInThisThread('a'.repeat(3001))).toBe(false);
  });

  /** Shapes that are still allowed and that make mfm-js look far ahead or back at every position. */
  const ALLOWED_WORST = ['`', '`a', '```\n', '@a', '@a@', '@a.', '#a.b', ':a', ':a:', 'https://a.', 'a search\n', ' 検索\n', '`\n', ']', ')', '🍣', '@a@b.c-'];

  it.each(ALLOWED_WORST)('%j × 3,000 characters parses well within the time bound', (piece) => {
    const text = piece.repeat(Math.ceil(3000 / piece.length)).slice(0, 3000);
    expect(parsesInThisThread(text)).toBe(true);
    mfm.parse(text.slice(0, 100));
    const started = performance.now();
    mfm.parse(text);
    expect(performance.now() - started).toBeLessThan(150);
  });

  it('every corpus entry it takes parses well within the time bound', () => {
    for (const { name, text } of corpus) {
      if (!parsesInThisThread(text)) continue;
      const started = performance.now();
      mfm.parse(text);
      expect({ name, slow: performance.now() - started > 150 }).toEqual({ name, slow: false });
    }
  });

  it('random allowed text of 3,000 characters parses well within the time bound', () => {
    const allowed = FRAGMENTS.filter((fragment) => parsesInThisThread(fragment));
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...allowed), { minLength: 3000, maxLength: 3000 }), (parts) => {
        const text = parts.join('').slice(0, 3000);
        const started = performance.now();
        mfm.parse(text);
        return performance.now() - started < 150;
      }),
      { numRuns: 30 },
    );
  });
});
