/**
 * Safety properties of the MFM renderer that do not depend on goldens: hostile input stays inert
 * on every target, truncation keeps markup whole and graphemes intact, random MFM never throws.
 */
import fc from 'fast-check';
import { escapeText, MFM_TARGETS, renderMfm, stopMfmParser, type MfmContext, type MfmTarget } from '../../src/render/mfm';
import { goldenMfmCorpus } from '../helpers/mfm-corpus';

const CTX: MfmContext = { server: 'https://misskey.example' };
const MORE = 'https://misskey.example/notes/a1b2c3';

// eslint-disable-next-line no-control-regex
const UNSAFE_CHARS = /[\x00-\x08\x0B-\x1F\x7F-\x9F\u202A-\u202E\u2066-\u2069]/;

/** Discord text, scanned left to right, with code (shown literally) and `\x` escapes as `x`. */
function discordMarkup(out: string): string {
  let markup = '';
  for (let i = 0; i < out.length; ) {
    if (out[i] === '\\') {
      markup += 'x';
      i += 2;
      continue;
    }
    if (out[i] === '`') {
      const fence = /^`+/.exec(out.slice(i))?.[0] ?? '`';
      const end = fence.length >= 3 ? out.indexOf('```', i + 3) : out.slice(i + fence.length).search(new RegExp(`(?<!\`)${fence}(?!\`)`));
      if (end >= 0) {
        markup += 'x';
        i = fence.length >= 3 ? end + 3 : i + fence.length + end + fence.length;
        continue;
      }
    }
    markup += out[i];
    i++;
  }
  return markup;
}

function discordProblems(out: string, spoilersAllowed: boolean): string[] {
  const problems: string[] = [];
  if (UNSAFE_CHARS.test(out)) problems.push('control or bidi character');
  if (/@(everyone|here)\b/i.test(out)) problems.push('@everyone/@here');
  if (/<[@#!]/.test(out)) problems.push('<@, <# or <!');
  const markup = discordMarkup(out);
  const bars = markup.match(/\|\|/g)?.length ?? 0;
  if (spoilersAllowed ? bars % 2 !== 0 : bars > 0) problems.push('unescaped ||');
  for (let i = markup.indexOf(']('); i >= 0; i = markup.indexOf('](', i + 1)) {
    if (!/^\]\(https?:\/\/[^\s()]+\)/.test(markup.slice(i))) problems.push(`cut or unsafe masked link at ${i}`);
  }
  // The bridge's markers come in pairs (`**`, `*`, `~~`, `||`); users' own are escaped.
  const outsideUrls = markup.replace(/https?:\/\/[^\s)]+/g, '');
  for (const [double, single] of [['**', '*'], ['~~', '~'], ['||', '|']] as const) {
    const doubles = outsideUrls.split(double);
    const singles = doubles.join('').split(single).length - 1;
    if ((doubles.length - 1) % 2 !== 0 || singles % 2 !== 0 || (single !== '*' && singles > 0)) problems.push(`unbalanced ${double}`);
  }
  if ((out.match(/```/g)?.length ?? 0) % 2 !== 0) problems.push('unclosed code fence');
  return problems;
}

const SLACK_LINK = /<https?:\/\/[^\s|<>]+(?:\|[^<>]*)?>/g;

function slackProblems(out: string): string[] {
  const problems: string[] = [];
  if (UNSAFE_CHARS.test(out)) problems.push('control or bidi character');
  const text = out.replace(SLACK_LINK, '');
  if (text.includes('<')) problems.push('< outside the bridge links');
  if (text.replace(/^> /gm, '').includes('>')) problems.push('> outside links and quote markers');
  if (/&(?!(?:amp|lt|gt);)/.test(out)) problems.push('raw &');
  if ((out.match(/```/g)?.length ?? 0) % 2 !== 0) problems.push('unclosed code fence');
  return problems;
}

const MATRIX_TAGS: Record<string, Record<string, (value: string) => boolean>> = {
  a: { href: (v) => /^(https?:\/\/|mailto:)/.test(v) },
  code: { class: (v) => /^language-[\w+#.-]+$/.test(v) },
  span: { 'data-mx-spoiler': () => true },
  strong: {},
  em: {},
  del: {},
  blockquote: {},
  pre: {},
  br: {},
};
const VOID_TAGS = new Set(['br']);
const TAG = /<(\/?)([a-z0-9]+)((?:\s+[a-z-]+="[^"<>]*")*)\s*>/y;
const ATTRIBUTE = /\s+([a-z-]+)="([^"<>]*)"/g;

/** A minimal tokenizer: allowlisted tags and attributes only, balanced, nesting ≤ 100. */
function matrixProblems(out: string): string[] {
  const problems: string[] = [];
  if (UNSAFE_CHARS.test(out)) problems.push('control or bidi character');
  const open: string[] = [];
  let text = '';
  for (let i = 0; i < out.length; ) {
    const lt = out.indexOf('<', i);
    text += out.slice(i, lt < 0 ? out.length : lt);
    if (lt < 0) break;
    TAG.lastIndex = lt;
    const m = TAG.exec(out);
    if (m === null) {
      problems.push(`raw < at ${lt}`);
      break;
    }
    const [whole, closing, name = '', attributes = ''] = m;
    const allowed = MATRIX_TAGS[name];
    if (allowed === undefined) problems.push(`tag ${name}`);
    else if (closing) {
      if (open.pop() !== name) problems.push(`unbalanced </${name}>`);
    } else {
      for (const [, attr = '', value = ''] of attributes.matchAll(ATTRIBUTE)) {
        const check = allowed[attr];
        if (check === undefined || !check(value.replace(/&amp;/g, '&'))) problems.push(`attribute ${name} ${attr}="${value}"`);
      }
      if (!VOID_TAGS.has(name)) open.push(name);
      if (open.length > 100) problems.push('nesting over 100');
    }
    i = lt + whole.length;
  }
  if (open.length > 0) problems.push(`unclosed ${open.join(',')}`);
  if (text.includes('>')) problems.push('raw >');
  if (/&(?!(?:amp|lt|gt|quot|#39);)/.test(text)) problems.push('raw &');
  return problems;
}

function problems(target: MfmTarget, out: string, spoilersAllowed = false): string[] {
  switch (target) {
    case 'discord':
      return discordProblems(out, spoilersAllowed);
    case 'slack':
      return slackProblems(out);
    case 'matrix':
      return matrixProblems(out);
    case 'plain':
      return UNSAFE_CHARS.test(out) ? ['control or bidi character'] : [];
  }
}

const corpus = goldenMfmCorpus();
const hostile = corpus.filter((e) => e.name.startsWith('hostile: '));

afterAll(() => stopMfmParser());

describe('checkers catch what they look for', () => {
  test.each([
    ['discord', '@everyone'],
    ['discord', 'hi <@123>'],
    ['discord', '||x||'],
    ['discord', '**open'],
    ['discord', '[x](https://a.example'],
    ['discord', '```\ncode'],
    ['slack', '<!channel>'],
    ['slack', 'a & b'],
    ['slack', '<https://a.example|x'],
    ['matrix', '<b>x</b>'],
    ['matrix', '<a href="javascript:alert(1)">x</a>'],
    ['matrix', '<strong>x'],
    ['matrix', '<code class="x">y</code>'],
    ['matrix', 'a < b'],
    ['plain', 'a\u202Eb'],
  ] as [MfmTarget, string][])('%s rejects %j', (target, out) => {
    expect(problems(target, out)).not.toEqual([]);
  });
});

describe('hostile input is inert', () => {
  describe.each(MFM_TARGETS)('%s', (target) => {
    test.each(hostile.map((e) => [e.name, e.text]))('renderMfm %s', (_name, text) => {
      expect(problems(target, renderMfm(text, target, CTX).output)).toEqual([]);
    });
    test.each(hostile.map((e) => [e.name, e.text]))('escapeText %s', (_name, text) => {
      expect(problems(target, escapeText(text, target))).toEqual([]);
    });
  });

  test.each(MFM_TARGETS)('%s: every corpus entry passes the checks', (target) => {
    for (const { name, text } of corpus) {
      expect({ name, problems: problems(target, renderMfm(text, target, CTX).output, true) }).toEqual({ name, problems: [] });
    }
  });
});

const TAIL: Record<MfmTarget, string> = {
  discord: `… [more](${MORE})`,
  slack: `… <${MORE}|more>`,
  matrix: `… <a href="${MORE}">more</a>`,
  plain: `… more (${MORE})`,
};

describe('truncation', () => {
  const linkRun = '[a label](https://example.com/some/long/path) @alice@remote.example #tag '.repeat(12);
  const long = [
    ...corpus.filter((e) => e.text.length > 150 && !e.name.startsWith('pathological')),
    { name: 'links', text: linkRun },
    { name: 'mixed blocks', text: '> quoted **bold** line\n> second $[blur hidden] line\n<center>~~c~~ 👩‍👩‍👧</center>\n```js\nconst a = `x`;\nlet b;\n```\n<small>tail line</small>\nend' },
  ];

  describe.each(MFM_TARGETS)('%s', (target) => {
    test.each(long.map((e) => [e.name, e.text]))('%s: every maxLength', (_name, text) => {
      const full = renderMfm(text, target, CTX).output;
      const step = Math.max(1, Math.floor(full.length / 100));
      for (let max = 0; max <= full.length + 1; max += step) {
        for (const moreUrl of [undefined, MORE]) {
          const { output, truncated } = renderMfm(text, target, CTX, { maxLength: max, moreUrl });
          const context = { max, moreUrl, output };
          expect({ ...context, fits: output.length <= max }).toEqual({ ...context, fits: true });
          expect({ ...context, truncated }).toEqual({ ...context, truncated: full.length > max });
          if (truncated && moreUrl !== undefined && max >= TAIL[target].length) expect(output.endsWith(TAIL[target])).toBe(true);
          else if (truncated && max >= 1) expect(output.endsWith('…')).toBe(true);
          expect({ ...context, problems: problems(target, output, true) }).toEqual({ ...context, problems: [] });
        }
      }
    });
  });

  test('plain links are never cut', () => {
    for (let max = 1; max < 300; max++) {
      const { output } = renderMfm(linkRun, 'plain', CTX, { maxLength: max });
      for (const m of output.matchAll(/\(https:[^)]*\)?/g)) expect(m[0]).toBe('(https://example.com/some/long/path)');
    }
  });

  const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });
  test.each([
    ['family', '👩‍👩‍👧'.repeat(30)],
    ['flags', '🇯🇵🇺🇸'.repeat(20)],
    ['combining', 'e\u0301'.repeat(50)],
    ['zalgo', 'Z\u0334\u0321\u031b\u034e'.repeat(20)],
    ['mixed', 'a👩‍👩‍👧b🇯🇵c👍🏽d'.repeat(10)],
  ])('%s: cuts only between graphemes', (_name, text) => {
    const boundaries = new Set([...segmenter.segment(text)].map((s) => s.index));
    for (const target of MFM_TARGETS) {
      for (let max = 1; max <= text.length; max++) {
        const { output, truncated } = renderMfm(text, target, CTX, { maxLength: max });
        expect(truncated).toBe(max < text.length);
        if (!truncated) continue;
        const body = output.slice(0, -1);
        expect(text.startsWith(body) && boundaries.has(body.length)).toBe(true);
      }
    }
  });
});

const FRAGMENTS = [
  '**', '<b>', '</b>', '<i>', '</i>', '~~', '<s>', '</s>', '<small>', '</small>', '<center>', '</center>',
  '<plain>', '</plain>', '> ', '\n', '```', '```js\n', '\n```', '`', '\\(', '\\)', '\\[', '\\]', '$[x2 ',
  '$[blur ', '$[ruby ', '$[unixtime ', ']', '[', '](https://example.com/x)', '](javascript:alert(1))', '?[',
  '@everyone', '@here', '@room', '@', 'everyone', 'here', '<@1>', '<#1>', '<!channel>', '<', '>', '&', '&amp;',
  '||', '|', '#tag', ':emoji:', 'https://example.com/@everyone', 'https://a.example/x_(y)', ' 検索', ' search',
  '\u202E', '\u0000', '👩‍👩‍👧', '🇯🇵', 'e\u0301', '"', "'", '\\', '*', '_', '-# ', '# ', '1. ', 'text ', ' ',
];
const mfmish = fc
  .array(fc.oneof(fc.constantFrom(...FRAGMENTS), fc.string({ unit: 'binary', maxLength: 3 })), { maxLength: 40 })
  .map((parts) => parts.join(''));

describe('random MFM-ish input', () => {
  test('never throws, stays inert and fits', () => {
    fc.assert(
      fc.property(mfmish, fc.constantFrom(...MFM_TARGETS), fc.option(fc.integer({ min: 0, max: 120 })), (text, target, max) => {
        const { output } = renderMfm(text, target, CTX, max === null ? {} : { maxLength: max, moreUrl: MORE });
        if (max !== null && output.length > max) return false;
        return problems(target, output, true).length === 0 && problems(target, escapeText(text, target)).length === 0;
      }),
      { numRuns: 1500 },
    );
  });
});

describe('pathological input', () => {
  test('input that mfm-js needs minutes for falls back to unformatted, inert text', () => {
    const text = '\\([)'.repeat(750) + ' **x** @everyone';
    const { output } = renderMfm(text, 'discord', CTX);
    expect(output).toBe(escapeText(text, 'discord'));
    expect(problems('discord', output)).toEqual([]);
    // the parser thread was replaced: ordinary notes render normally again
    expect(renderMfm('**bold**', 'discord', CTX).output).toBe('**bold**');
  });
});
