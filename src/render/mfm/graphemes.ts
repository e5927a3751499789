/** Grapheme-safe cutting (Intl.Segmenter), shared by truncateText and the truncating writer. */

export const ELLIPSIS = '…';

/** A cut inside a word moves back to the preceding whitespace if it is at most this far. */
const WORD_BACKTRACK = 16;
/** How far back a cut looks for a position that is certainly a grapheme boundary. */
const SAFE_LOOKBACK = 256;

let segmenter: Intl.Segmenter | undefined;

/** One grapheme segmenter, made on first use: creating the first loads ICU's break rules (20–50 ms). */
export function graphemeSegmenter(): Intl.Segmenter {
  return (segmenter ??= new Intl.Segmenter(undefined, { granularity: 'grapheme' }));
}

/**
 * Characters that never join a neighbour into one grapheme (printable ASCII, tab, newline, kana
 * without the combining sound marks, CJK ideographs): between two of them is always a boundary.
 */
function isIsolated(code: number): boolean {
  return (
    (code >= 0x20 && code <= 0x7e) ||
    code === 0x09 ||
    code === 0x0a ||
    (code >= 0x3041 && code <= 0x3096) ||
    (code >= 0x309b && code <= 0x30ff) ||
    (code >= 0x4e00 && code <= 0x9fff)
  );
}

/** The largest grapheme boundary of `text` that is ≤ `cut`. */
function graphemeBoundaryAtOrBefore(text: string, cut: number): number {
  if (cut <= 0 || cut >= text.length) return Math.max(0, Math.min(cut, text.length));
  // Segment from a position that is certainly a boundary, not from the start of the text.
  let start = 0;
  for (let p = cut; p > 0 && p >= cut - SAFE_LOOKBACK; p--) {
    if (isIsolated(text.charCodeAt(p - 1)) && isIsolated(text.charCodeAt(p))) {
      start = p;
      break;
    }
  }
  if (start === cut) return cut;
  let boundary = start;
  for (const { index, segment } of graphemeSegmenter().segment(text.slice(start, cut + 64))) {
    const end = start + index + segment.length;
    if (end > cut) break;
    boundary = end;
  }
  return boundary;
}

/** Moves a cut inside a word back to the whitespace before it, when that is close. */
function atWordEnd(text: string, cut: number): number {
  if (cut === 0 || cut >= text.length || /\s/.test(text.charAt(cut)) || /\s/.test(text.charAt(cut - 1))) return cut;
  const from = Math.max(0, cut - WORD_BACKTRACK);
  const space = text.slice(from, cut).search(/\s\S*$/);
  return space > 0 || (space === 0 && from > 0) ? from + space : cut;
}

/**
 * The longest prefix of `text`, cut between graphemes (and between words when one ends close by),
 * without trailing whitespace, that `fits`. `fits` must be monotonic (a shorter prefix fits
 * whenever a longer one does); `maxOffset` bounds the prefix length in code units.
 */
export function longestFittingPrefix(text: string, fits: (prefix: string) => boolean, maxOffset = text.length): string {
  let lo = 0;
  let hi = Math.max(0, Math.min(maxOffset, text.length));
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (fits(text.slice(0, mid))) lo = mid;
    else hi = mid - 1;
  }
  const prefix = text.slice(0, atWordEnd(text, graphemeBoundaryAtOrBefore(text, lo))).trimEnd();
  return fits(prefix) ? prefix : '';
}

/** Plain grapheme-safe truncation: `text` unchanged when it fits, else a prefix plus `…`, ≤ `max`. */
export function truncateText(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < ELLIPSIS.length) return '';
  const budget = max - ELLIPSIS.length;
  return longestFittingPrefix(text, (p) => p.length <= budget, budget) + ELLIPSIS;
}
