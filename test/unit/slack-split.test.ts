import fc from 'fast-check';
import { escapeMrkdwn, link, mrkdwnToPlain, neutralizePings, safeUrl } from '../../src/sinks/slack/mrkdwn';
import { splitMrkdwn, truncateMrkdwn, truncatePlain } from '../../src/sinks/slack/split';

/** mrkdwn the renderer could produce: escaped words, links, mentions, entities, emoji, code fences */
const mrkdwnText = fc
  .array(
    fc.oneof(
      fc.string({ minLength: 1, maxLength: 12 }).map(escapeMrkdwn),
      fc.constantFrom('\n', ' ', '\n```\n', '*bold*', '&amp;', '&lt;', '👩‍👩‍👧', 'é', '<!date^1714566896^{date}|May 1>'),
      fc.webUrl().map((url) => link(safeUrl(url) ?? 'https://x.example/', 'label')),
    ),
    { maxLength: 400 },
  )
  .map((parts) => parts.join(''));

/** no `<` without its `>`, no cut entity */
function wellFormed(piece: string): boolean {
  const withoutConstructs = piece.replace(/<[^<>]*>/g, '').replace(/&(amp|lt|gt);/g, '');
  return !/[<>]/.test(withoutConstructs) && !/&(a|am|amp|l|lt|g|gt)?$/.test(withoutConstructs);
}

describe('splitMrkdwn', () => {
  test('pieces fit, stay well-formed, keep code fences balanced and lose nothing but the cut tail', () => {
    fc.assert(
      fc.property(mrkdwnText, fc.integer({ min: 40, max: 400 }), fc.integer({ min: 40, max: 2000 }), (text, pieceMax, totalMax) => {
        const { pieces, truncated } = splitMrkdwn(text, pieceMax, totalMax);
        for (const piece of pieces) {
          expect(piece.length).toBeLessThanOrEqual(pieceMax);
          expect(wellFormed(piece)).toBe(true);
          if (text.split('```').length % 2 === 1) expect(piece.split('```').length % 2).toBe(1);
          expect(piece.trim()).not.toBe('');
        }
        expect(truncated).toBe(text.length > totalMax);
        const longestConstruct = Math.max(0, ...(text.match(/<[^<>]*>/g) ?? []).map((c) => c.length));
        if (!truncated && longestConstruct < pieceMax / 2) {
          const strip = (s: string) => s.replace(/```|\s|…/g, '');
          expect(strip(pieces.join(''))).toBe(strip(text));
        }
      }),
      { numRuns: 300 },
    );
  });

  test('prefers line ends', () => {
    const text = 'first line is here\nsecond line is here\nthird line';
    expect(splitMrkdwn(text, 25, 1000).pieces).toEqual(['first line is here', 'second line is here', 'third line']);
  });

  test('a link longer than a piece becomes its label', () => {
    const text = `before ${link(`https://x.example/${'p'.repeat(200)}`, 'the label')} after`;
    expect(splitMrkdwn(text, 60, 1000).pieces.join(' ')).toBe('before the label after');
  });

  test('a fence spanning two pieces is closed and reopened', () => {
    const text = '```\n' + Array.from({ length: 10 }, (_, i) => `code line ${i}`).join('\n') + '\n```';
    const { pieces } = splitMrkdwn(text, 60, 1000);
    expect(pieces.length).toBeGreaterThan(1);
    expect(pieces[0]).toMatch(/^```\n[\s\S]*\n```$/);
    expect(pieces[1]).toMatch(/^```\n/);
  });
});

describe('truncate', () => {
  test('never cuts inside a link or entity, and marks the cut', () => {
    const text = `see ${link('https://mk.example/a/very/long/path', 'the label')} &amp; more`;
    for (let max = 5; max < text.length; max++) {
      const cut = truncateMrkdwn(text, max);
      expect(cut.text.length).toBeLessThanOrEqual(max);
      expect(wellFormed(cut.text)).toBe(true);
      expect(cut.text.endsWith('…')).toBe(true);
    }
  });

  test('plain text cuts at a space, or a grapheme boundary', () => {
    expect(truncatePlain('hello wonderful world', 18)).toEqual({ text: 'hello wonderful…', truncated: true });
    expect(truncatePlain('👩‍👩‍👧👩‍👩‍👧👩‍👩‍👧', 10).text).toBe('👩‍👩‍👧…');
    expect(truncatePlain('short', 10)).toEqual({ text: 'short', truncated: false });
  });
});

describe('mrkdwn helpers', () => {
  test('escape only & < >', () => {
    expect(escapeMrkdwn(`<!here> & "quotes" 'x' *b*`)).toBe(`&lt;!here&gt; &amp; "quotes" 'x' *b*`);
  });

  test('links: http(s) only, URL and label cannot break out', () => {
    expect(safeUrl('javascript:alert(1)')).toBeUndefined();
    expect(safeUrl('not a url')).toBeUndefined();
    expect(safeUrl('https://x.example/a|b>c d')).toBe('https://x.example/a%7Cb%3Ec%20d');
    expect(link('https://x.example/', 'a|b <!here> &')).toBe('<https://x.example/|a\u2223b &lt;!here&gt; &amp;>');
  });

  test('neutralizePings turns every mention and broadcast into text, keeps dates and links', () => {
    expect(neutralizePings('<!here> <!channel|c> <@U1> <@W2|bob> <!subteam^S1|@t> <!date^1^{date}|d> <https://x|y> <#C1>')).toBe(
      '&lt;!here&gt; &lt;!channel|c&gt; &lt;@U1&gt; &lt;@W2|bob&gt; &lt;!subteam^S1|@t&gt; <!date^1^{date}|d> <https://x|y> <#C1>',
    );
  });

  test('mrkdwnToPlain for header blocks', () => {
    expect(mrkdwnToPlain('*New* _follower_ ~x~ `c` <https://x|Alice> &lt;3 &amp; &gt;')).toBe('New follower x c Alice <3 & >');
  });
});
