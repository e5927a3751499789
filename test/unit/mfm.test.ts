/**
 * Golden tests of the MFM renderer: every corpus entry (test/golden/mfm/corpus.json) rendered
 * to every target and compared with test/golden/mfm/<target>.json.
 * `UPDATE_GOLDEN=1 npx jest test/unit/mfm.test.ts` rewrites the goldens: read the diff before keeping it.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  escapeText,
  MFM_TARGETS,
  renderMfm,
  spoiler,
  stopMfmParser,
  truncateText,
  type MfmContext,
  type MfmTarget,
} from '../../src/render/mfm';

const ROOT = join(__dirname, '..', '..');
const GOLDEN_DIR = join(ROOT, 'test', 'golden', 'mfm');
const UPDATE = process.env.UPDATE_GOLDEN === '1';

interface CorpusEntry {
  name: string;
  text?: string;
  /** concatenated: [piece, times] */
  parts?: [string, number][];
  /** a webhook fixture: its note text (and cw) and its server */
  fixture?: string;
  authorHost?: string;
}

interface Corpus {
  mfm: CorpusEntry[];
  plainText: { name: string; text: string }[];
}

interface Golden {
  render: Record<string, string>;
  escapeText: Record<string, string>;
}

export interface LoadedEntry {
  name: string;
  text: string;
  ctx: MfmContext;
}

const corpus = JSON.parse(readFileSync(join(GOLDEN_DIR, 'corpus.json'), 'utf8')) as Corpus;

function loadFixture(path: string): { text: string; cw: string | null; server: string } {
  const file = JSON.parse(readFileSync(join(ROOT, path), 'utf8')) as Record<string, unknown>;
  // misskey-real files wrap the request: { method, headers, body: <envelope> }
  const envelope = ('method' in file ? file.body : file) as { server: string; body: { note: { text: string; cw: string | null } } };
  return { text: envelope.body.note.text, cw: envelope.body.note.cw, server: envelope.server };
}

const mfmEntries: LoadedEntry[] = corpus.mfm.map((entry) => {
  const ctx: MfmContext = { server: 'https://misskey.example', authorHost: entry.authorHost ?? null };
  if (entry.fixture !== undefined) {
    const fixture = loadFixture(entry.fixture);
    return { name: entry.name, text: fixture.text, ctx: { ...ctx, server: fixture.server } };
  }
  const text = entry.text ?? (entry.parts ?? []).map(([piece, times]) => piece.repeat(times)).join('');
  return { name: entry.name, text, ctx };
});

const plainEntries = [
  ...corpus.plainText,
  ...corpus.mfm.flatMap((entry) => {
    const cw = entry.fixture === undefined ? null : loadFixture(entry.fixture).cw;
    return cw === null ? [] : [{ name: `${entry.name} cw`, text: cw }];
  }),
];

function goldenPath(target: MfmTarget): string {
  return join(GOLDEN_DIR, `${target}.json`);
}

function renderAll(target: MfmTarget): Golden {
  const golden: Golden = { render: {}, escapeText: {} };
  for (const entry of mfmEntries) golden.render[entry.name] = renderMfm(entry.text, target, entry.ctx).output;
  for (const entry of plainEntries) golden.escapeText[entry.name] = escapeText(entry.text, target);
  return golden;
}

afterAll(() => stopMfmParser());

describe('MFM goldens', () => {
  test('corpus names are unique', () => {
    const names = mfmEntries.map((e) => e.name);
    expect(new Set(names).size).toBe(names.length);
  });

  describe.each(MFM_TARGETS)('%s', (target) => {
    const actual = renderAll(target);
    if (UPDATE) writeFileSync(goldenPath(target), JSON.stringify(actual, null, 2) + '\n');
    const expected = JSON.parse(readFileSync(goldenPath(target), 'utf8')) as Golden;

    test.each(mfmEntries.map((e) => e.name))('render: %s', (name) => {
      expect(actual.render[name]).toBe(expected.render[name]);
    });
    test.each(plainEntries.map((e) => e.name))('escapeText: %s', (name) => {
      expect(actual.escapeText[name]).toBe(expected.escapeText[name]);
    });
    test('no stale golden entries', () => {
      expect(Object.keys(expected.render).sort()).toEqual(Object.keys(actual.render).sort());
      expect(Object.keys(expected.escapeText).sort()).toEqual(Object.keys(actual.escapeText).sort());
    });
  });
});

describe('API details', () => {
  const ctx: MfmContext = { server: 'https://misskey.example/' };

  test('renderMfm leaves short output untouched', () => {
    expect(renderMfm('**hi**', 'discord', ctx, { maxLength: 6 })).toEqual({ output: '**hi**', truncated: false });
  });

  test('a mention of a user on the server itself links without the host', () => {
    expect(renderMfm('@carol@MISSKEY.example', 'matrix', ctx).output).toBe('<a href="https://misskey.example/@carol">@carol</a>');
  });

  test('a relative mention on a remote note resolves to the author host', () => {
    const remote = { ...ctx, authorHost: 'remote.example' };
    expect(renderMfm('@dave', 'slack', remote).output).toBe('<https://misskey.example/@dave@remote.example|@\u200Bdave@remote.example>');
  });

  test('a server that is not http(s) gets no links', () => {
    const bad = { ...ctx, server: 'javascript:alert(1)' };
    expect(renderMfm('@alice #tag', 'matrix', bad).output).toBe('@alice #tag');
  });

  test('the more link follows the ellipsis in the target syntax', () => {
    const long = 'word '.repeat(100);
    const options = { maxLength: 80, moreUrl: 'https://misskey.example/notes/a1' };
    expect(renderMfm(long, 'discord', ctx, options).output).toMatch(/ word… \[more\]\(https:\/\/misskey\.example\/notes\/a1\)$/);
    expect(renderMfm(long, 'slack', ctx, options).output).toMatch(/ word… <https:\/\/misskey\.example\/notes\/a1\|more>$/);
    expect(renderMfm(long, 'matrix', ctx, options).output).toMatch(/ word… <a href="https:\/\/misskey\.example\/notes\/a1">more<\/a>$/);
    expect(renderMfm(long, 'plain', ctx, options).output).toMatch(/ word… more \(https:\/\/misskey\.example\/notes\/a1\)$/);
  });

  test('a moreUrl that is not http(s) is dropped', () => {
    const out = renderMfm('word '.repeat(100), 'discord', ctx, { maxLength: 50, moreUrl: 'javascript:alert(1)' }).output;
    expect(out.endsWith('…')).toBe(true);
    expect(out).not.toContain('javascript');
  });

  test('maxLength smaller than the tail still holds', () => {
    const options = { moreUrl: 'https://misskey.example/notes/a1' };
    expect(renderMfm('hello world', 'discord', ctx, { ...options, maxLength: 3 })).toEqual({ output: 'he…', truncated: true });
    expect(renderMfm('hello world', 'discord', ctx, { ...options, maxLength: 1 })).toEqual({ output: '…', truncated: true });
    expect(renderMfm('hello world', 'discord', ctx, { ...options, maxLength: 0 })).toEqual({ output: '', truncated: true });
  });

  test('spoiler', () => {
    expect(spoiler('a \\|\\| b || c', 'discord')).toBe('||a \\|\\| b |\u200B| c||');
    expect(spoiler('<b>x</b>', 'matrix', 'cw "quoted" <b>')).toBe('<span data-mx-spoiler="cw &quot;quoted&quot; &lt;b&gt;"><b>x</b></span>');
    expect(spoiler('inner', 'slack', 'cw')).toBe('inner');
    expect(spoiler('inner', 'plain', 'cw')).toBe('inner');
  });

  test('truncateText', () => {
    expect(truncateText('short', 5)).toBe('short');
    expect(truncateText('short text', 7)).toBe('short…');
    expect(truncateText('👩‍👩‍👧👩‍👩‍👧', 10)).toBe('👩‍👩‍👧…');
    expect(truncateText('🇯🇵🇺🇸', 5)).toBe('🇯🇵…');
    expect(truncateText('🇯🇵🇺🇸', 4)).toBe('…');
    expect(truncateText('one two three', 10)).toBe('one two…');
    expect(truncateText('長い日本語の文章です', 6)).toBe('長い日本語…');
    expect(truncateText('abc', 0)).toBe('');
  });

  test('escapeText strips bidi controls on every target', () => {
    for (const target of MFM_TARGETS) expect(escapeText('a\u202Eb\u2067c', target)).not.toMatch(/[\u202A-\u202E\u2066-\u2069]/);
  });
});
