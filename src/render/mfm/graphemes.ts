/** Grapheme-safe cutting (Intl.Segmenter), shared by truncateText and the truncating writer. */

export const ELLIPSIS = '…';

/** A cut inside a word moves back to the preceding whitespace if it is at most this far. */
const WORD_BACKTRACK = 16;
/** How far back a cut looks for a position that is certainly a grapheme boundary. */
const SAFE_LOOKBACK = 256;
/** What a cut's segmentation reads past it, so that marks joining the character before it are seen. */
const GRAPHEME_LOOKAHEAD = 64;
/** How much text is segmented at once when every boundary of a text is needed. */
const SEGMENT_CHUNK = 1024;

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

/** A boundary no grapheme can straddle: between two isolated characters, or at either end. */
function certainBoundary(text: string, at: number): boolean {
  return at <= 0 || at >= text.length || (isIsolated(text.charCodeAt(at - 1)) && isIsolated(text.charCodeAt(at)));
}

/** The nearest certain boundary at or before `at` within SAFE_LOOKBACK, else `at - SAFE_LOOKBACK` (not certain). */
function segmentStartBefore(text: string, at: number): { start: number; certain: boolean } {
  for (let p = at; p >= 0 && p >= at - SAFE_LOOKBACK; p--) if (certainBoundary(text, p)) return { start: p, certain: true };
  return { start: Math.max(0, at - SAFE_LOOKBACK), certain: false };
}

/** The nearest certain boundary at or after `at` within SAFE_LOOKBACK, else `at` itself. */
function segmentEndAfter(text: string, at: number): number {
  for (let p = at; p <= text.length && p <= at + SAFE_LOOKBACK; p++) if (certainBoundary(text, p)) return p;
  return at;
}

/** `cut`, moved back off the low half of a surrogate pair. */
function codePointCut(text: string, cut: number): number {
  const low = text.charCodeAt(cut);
  const high = text.charCodeAt(cut - 1);
  return low >= 0xdc00 && low <= 0xdfff && high >= 0xd800 && high <= 0xdbff ? cut - 1 : cut;
}

/**
 * The largest grapheme boundary of `text` that is ≤ `cut`. Only a window around the cut is
 * segmented (Intl.Segmenter slows down more than linearly on long strings); a grapheme longer than
 * the window (stacked combining marks) is cut between code points.
 */
export function graphemeBoundaryAtOrBefore(text: string, cut: number): number {
  if (cut <= 0 || cut >= text.length) return Math.max(0, Math.min(cut, text.length));
  if (certainBoundary(text, cut)) return cut;
  const { start, certain } = segmentStartBefore(text, cut);
  let boundary = certain ? start : -1;
  for (const { index } of graphemeSegmenter().segment(text.slice(start, cut + GRAPHEME_LOOKAHEAD))) {
    if (start + index > cut) break;
    if (index > 0) boundary = start + index;
  }
  return boundary >= 0 ? boundary : codePointCut(text, cut);
}

/**
 * Which positions of `text` up to `end` are grapheme boundaries (1: a cut there splits no
 * grapheme). Segmented a chunk at a time, each from a certain boundary, so the work stays linear.
 */
export function graphemeBoundaries(text: string, end = text.length): Uint8Array {
  const last = Math.max(0, Math.min(end, text.length));
  const boundary = new Uint8Array(last + 1);
  for (let start = 0; start <= last && start < text.length; ) {
    const stop = Math.min(text.length, segmentEndAfter(text, start + SEGMENT_CHUNK));
    for (const { index } of graphemeSegmenter().segment(text.slice(start, stop))) {
      if (start + index > last) break;
      boundary[start + index] = 1;
    }
    start = stop;
  }
  if (last === text.length) boundary[last] = 1;
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
