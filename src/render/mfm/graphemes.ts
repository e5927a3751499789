/** Grapheme-safe cutting (Intl.Segmenter), shared by truncateText and the truncating writer. */

export const ELLIPSIS = '…';

/** A cut inside a word moves back to the preceding whitespace if it is at most this far. */
const WORD_BACKTRACK = 16;

const segmenter = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/** Offsets in `text` at which a cut keeps every grapheme whole, ascending, each ≤ `maxOffset`. */
function cutPoints(text: string, maxOffset: number): number[] {
  // Only the start of the text can matter; a segment reaching the end of the slice may be incomplete.
  const sliced = text.length > maxOffset + 64;
  const scope = sliced ? text.slice(0, maxOffset + 64) : text;
  const points = [0];
  for (const { index, segment } of segmenter.segment(scope)) {
    const end = index + segment.length;
    if (end > maxOffset || (sliced && end === scope.length)) break;
    points.push(end);
  }
  return points;
}

/**
 * The longest prefix of `text`, cut between graphemes and without trailing whitespace, that `fits`.
 * `fits` must be monotonic (a shorter prefix fits whenever a longer one does);
 * `maxOffset` bounds the prefix length in code units.
 */
export function longestFittingPrefix(text: string, fits: (prefix: string) => boolean, maxOffset = text.length): string {
  const points = cutPoints(text, Math.min(maxOffset, text.length));
  let lo = 0;
  let hi = points.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (fits(text.slice(0, points[mid]).trimEnd())) lo = mid;
    else hi = mid - 1;
  }
  const prefix = text.slice(0, atWordEnd(text, points[lo] ?? 0)).trimEnd();
  return fits(prefix) ? prefix : '';
}

/** Moves a cut inside a word back to the whitespace before it, when that is close. */
function atWordEnd(text: string, cut: number): number {
  if (cut === 0 || cut >= text.length || /\s/.test(text.charAt(cut)) || /\s/.test(text.charAt(cut - 1))) return cut;
  const from = Math.max(0, cut - WORD_BACKTRACK);
  const space = text.slice(from, cut).search(/\s\S*$/);
  return space > 0 || (space === 0 && from > 0) ? from + space : cut;
}

/** Plain grapheme-safe truncation: `text` unchanged when it fits, else a prefix plus `…`, ≤ `max`. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < ELLIPSIS.length) return '';
  const budget = max - ELLIPSIS.length;
  return longestFittingPrefix(text, (p) => p.length <= budget, budget) + ELLIPSIS;
}
