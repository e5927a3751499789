import { graphemeBoundaries, graphemeBoundaryAtOrBefore, graphemeSegmenter } from '../../src/render/mfm/graphemes';
import { truncateMarkdown, truncatePlain } from '../../src/sinks/discord/truncate';

/** Flags, skin tones, family sequences, combining marks, kana with sound marks and plain words. */
const MIXED = ['🇯🇵', '👍🏽', 'e\u0301', '👩‍👩‍👧', ' word ', 'ｶﾞ', 'か\u3099', '\n'];
const mixed = (length: number) => {
  let text = '';
  for (let n = 0; text.length < length; n++) text += MIXED[(n * 7) % MIXED.length];
  return text;
};

const segmentedWhole = (text: string) => {
  const starts = new Set([...graphemeSegmenter().segment(text)].map(({ index }) => index));
  return Array.from({ length: text.length + 1 }, (_, i) => (starts.has(i) || i === text.length ? 1 : 0));
};

describe('grapheme boundaries', () => {
  it('segmenting a chunk at a time finds the same boundaries as segmenting the whole text', () => {
    const text = mixed(20_000);
    expect([...graphemeBoundaries(text)]).toEqual(segmentedWhole(text));
    expect([...graphemeBoundaries(text, 5_000)]).toEqual(segmentedWhole(text).slice(0, 5_001));
  });

  it('the boundary at or before a cut is the one the whole segmentation gives', () => {
    const text = mixed(3_000);
    const whole = segmentedWhole(text);
    for (let cut = 0; cut <= text.length; cut += 37) {
      const expected = whole.lastIndexOf(1, cut);
      expect(graphemeBoundaryAtOrBefore(text, cut)).toBe(expected);
    }
  });

  it('a grapheme longer than the window (stacked marks) is cut between code points', () => {
    const text = `a${'\u0301'.repeat(2_000)}`;
    expect(graphemeBoundaryAtOrBefore(text, 1_500)).toBe(1_500);
    expect(graphemeBoundaryAtOrBefore('😀😀', 3)).toBe(2);
  });

  it('Discord truncation of a text of any length reads only what it keeps and a little past it', () => {
    const long = mixed(200_000);
    for (const max of [100, 2_000, 4_096]) {
      expect(truncateMarkdown(long, max)).toBe(truncateMarkdown(long.slice(0, max + 1_000), max));
      expect(truncatePlain(long, max)).toBe(truncatePlain(long.slice(0, max + 1_000), max));
    }
  });
});
