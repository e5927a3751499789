/**
 * The ways around the parser's worker thread: plain text taken as one text node without parsing,
 * and text parsed in this thread within a step limit. Both must give exactly what mfm.parse
 * gives, and what is tried here must never take long, whether it is parsed or given up on.
 */
import fc from 'fast-check';
import * as mfm from 'mfm-js';
import workerThreads from 'node:worker_threads';
import { isPlainText, parseBounded, parseInThisThread, stopMfmParser } from '../../src/render/mfm/parse';
import { goldenMfmCorpus } from '../helpers/mfm-corpus';

afterAll(() => stopMfmParser());

const corpus = goldenMfmCorpus();

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
      parseBounded('**bold** [l](https://a.example) $[x2 <center>nested</center>]');
      expect(spawn).not.toHaveBeenCalled();
      const backtracking = '['.repeat(300);
      expect(parseBounded(backtracking)).toEqual(mfm.parse(backtracking));
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

/**
 * Milliseconds within which a try in this thread must end, parsed or given up on: far above its
 * real cost (at most ~20 ms), for slow machines.
 */
const IN_THREAD_BOUND_MS = 150;

/** The in-thread try on `text`, timed after a warm-up on its start. */
function timedTry(text: string): { nodes: mfm.MfmNode[] | null; ms: number } {
  parseInThisThread(text.slice(0, 100));
  const started = performance.now();
  const nodes = parseInThisThread(text);
  return { nodes, ms: performance.now() - started };
}

describe('parsing in this thread', () => {
  it('gives what mfm.parse gives, for nearly every text', () => {
    let parsed = 0;
    fc.assert(
      fc.property(fc.oneof(mfmish, plainish), (text) => {
        const nodes = parseInThisThread(text);
        if (nodes === null) return true;
        parsed++;
        expect(nodes).toEqual(mfm.parse(text));
        return true;
      }),
      { numRuns: 2000 },
    );
    expect(parsed).toBeGreaterThan(1900);
  });

  it('gives up on the hostile and pathological corpus entries, quickly', () => {
    for (const name of ['pathological brackets', 'pathological math', 'deep quote 500']) {
      const { nodes, ms } = timedTry(corpus.find((e) => e.name === name)!.text);
      expect({ name, parsed: nodes !== null, slow: ms > IN_THREAD_BOUND_MS }).toEqual({ name, parsed: false, slow: false });
    }
    for (const text of ['['.repeat(3000), '\\([)'.repeat(500)]) expect(timedTry(text).nodes).toBeNull();
  });

  /** Shapes that make the parser look far ahead or back at every position, or backtrack. */
  const WORST = ['`', '`a', '```\n', '@a', '@a@', '@a.', '#a.b', ':a', ':a:', 'https://a.', 'a search\n', ' 検索\n', '`\n', ']', ')', '🍣', '@a@b.c-'];
  const BACKTRACKING = ['[', '\\([)', '[**', '***[', '[:', '[`', '[@a', '<center>\n', '[https://a', '$[x [', '#(', 'https://(', '> [\n'];

  it.each(WORST)('%j × 6,000 characters parses here well within the time bound', (piece) => {
    const { nodes, ms } = timedTry(piece.repeat(Math.ceil(6000 / piece.length)).slice(0, 6000));
    expect(nodes).not.toBeNull();
    expect(ms).toBeLessThan(IN_THREAD_BOUND_MS);
  });

  it.each(BACKTRACKING)('%j × 6,000 characters is parsed or given up on well within the time bound', (piece) => {
    expect(timedTry(piece.repeat(Math.ceil(6000 / piece.length)).slice(0, 6000)).ms).toBeLessThan(IN_THREAD_BOUND_MS);
  });

  it('every corpus entry is parsed or given up on well within the time bound', () => {
    for (const { name, text } of corpus) expect({ name, slow: timedTry(text).ms > IN_THREAD_BOUND_MS }).toEqual({ name, slow: false });
  });

  it('random text of 6,000 characters is parsed or given up on well within the time bound', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...FRAGMENTS), { minLength: 6000, maxLength: 6000 }), (parts) => timedTry(parts.join('').slice(0, 6000)).ms < IN_THREAD_BOUND_MS),
      { numRuns: 30 },
    );
  });
});
