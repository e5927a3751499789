import fc from 'fast-check';
import { ELLIPSIS, fitWithSuffix, truncateMarkdown, truncatePlain } from '../../src/sinks/discord/truncate';

/** `||` markers outside code and escapes, the way Discord pairs them */
function spoilerMarkers(text: string): number {
  let count = 0;
  let inFence = false;
  for (let i = 0; i < text.length; ) {
    if (text.startsWith('```', i)) {
      inFence = !inFence;
      i += 3;
    } else if (inFence) i++;
    else if (text[i] === '\\') i += 2;
    else if (text[i] === '`') {
      const close = text.indexOf('`', i + 1);
      i = close === -1 ? i + 1 : close + 1;
    } else if (text.startsWith('||', i)) {
      count++;
      i += 2;
    } else i++;
  }
  return count;
}

describe('truncateMarkdown', () => {
  it('leaves text that fits alone', () => {
    expect(truncateMarkdown('short **text**', 14)).toBe('short **text**');
  });

  it('cuts at a word boundary and appends an ellipsis', () => {
    expect(truncateMarkdown('hello world this is a test', 15)).toBe('hello world…');
  });

  it('prefers a line break', () => {
    const text = `${'a '.repeat(45)}end\nsecond line that is long`;
    expect(truncateMarkdown(text, 100)).toBe(`${'a '.repeat(45)}end…`);
  });

  it('never cuts inside a masked link, inline code or a mention', () => {
    expect(truncateMarkdown('see [the link label](<https://example.com/very/long/path>) after', 40)).toBe('see…');
    expect(truncateMarkdown('run `npm install --save something` now', 25)).toBe('run…');
    expect(truncateMarkdown('hi <@123456789012345678> there', 20)).toBe('hi…');
    expect(truncateMarkdown('https://example.com/a/very/long/url/that/is/long ok', 30)).toBe('…');
  });

  it('closes a cut spoiler so its text stays hidden', () => {
    const cut = truncateMarkdown('CW: nsfw ||the hidden body of this note goes on and on|| end', 40);
    expect(cut).toBe('CW: nsfw ||the hidden body of this||…');
    expect(spoilerMarkers(cut) % 2).toBe(0);
  });

  it('closes a cut code fence and bold text', () => {
    expect(truncateMarkdown('```\nline one\nline two\nline three\n```\nafter', 30)).toBe('```\nline one\nline two\n```…');
    expect(truncateMarkdown('a **bold text that goes on and on** b', 20)).toBe('a **bold text**…');
  });

  it('does not leave a backslash that would escape what follows', () => {
    const cut = truncateMarkdown('escaped \\*star\\* and more words here', 14);
    expect(cut).toBe('escaped…');
    expect(truncateMarkdown('||a\\ b c d e f g h||', 10)).not.toMatch(/\\\|\|/);
  });

  it('never splits a grapheme', () => {
    const family = '👨‍👩‍👧‍👦';
    const cut = truncateMarkdown(`${family}${family}${family}`, 30);
    expect(cut).toBe(`${family}${family}${ELLIPSIS}`);
  });

  it('always fits, and keeps spoilers balanced (property)', () => {
    const piece = fc.constantFrom('a', 'word', ' ', '\n', '||', '**', '__', '~~', '`', '```', '\\', '\\|', '[x](<https://e.x/y>)', '<@123456789012345678>', 'https://e.x/long/path', '😀', 'é');
    fc.assert(
      fc.property(fc.array(piece, { maxLength: 60 }), fc.integer({ min: 0, max: 120 }), (pieces, max) => {
        const text = pieces.join('');
        const cut = truncateMarkdown(text, max);
        expect(cut.length).toBeLessThanOrEqual(Math.max(max, 0));
        if (text.length <= max) expect(cut).toBe(text);
        else if (spoilerMarkers(text) % 2 === 0 && max > 0) expect(spoilerMarkers(cut) % 2).toBe(0);
      }),
      { numRuns: 500 },
    );
  });
});

describe('truncatePlain', () => {
  it('cuts plain text at a grapheme boundary', () => {
    expect(truncatePlain('Alice Wonderland', 80)).toBe('Alice Wonderland');
    expect(truncatePlain('Alice Wonderland the great', 17)).toBe('Alice Wonderland…');
    expect(truncatePlain('Alice Wonderland the great', 16)).toBe('Alice Wonderlan…');
    expect(truncatePlain('😀😀😀', 4)).toBe('😀…');
  });
});

describe('fitWithSuffix', () => {
  it('shortens the text and keeps the links', () => {
    const suffix = '\n\n||[a](<https://e.x/a.png>)||';
    const fitted = fitWithSuffix('word '.repeat(100), suffix, 100);
    expect(fitted.length).toBeLessThanOrEqual(100);
    expect(fitted.endsWith(suffix)).toBe(true);
  });
});
