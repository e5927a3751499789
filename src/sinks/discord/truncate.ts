/**
 * Shortening Discord markdown without breaking it: never inside a link, inline code, mention or
 * URL, never right after an escaping backslash or inside a grapheme; open code fences, spoilers
 * and bold/underline/strike markers are closed so a cut spoiler still hides its text.
 */
import { graphemeBoundaries } from '../../render/mfm/graphemes';

export const ELLIPSIS = '…';

const FENCE = '```';
const TOGGLES = ['||', '**', '__', '~~'] as const;

/** `[label](url)` and `[label](<url>)`, with escapes allowed in the label */
const MASKED_LINK = /\[(?:\\[\s\S]|[^\\\]\n])*\]\((?:<[^>\n]*>|[^)\s]*)\)/y;
/** `<https://…>`, `<@id>`, `<@!id>`, `<@&id>`, `<#id>`, `<t:…>`, `<:emoji:id>`, `</command:id>` */
const ANGLE = /<(?:https?:\/\/[^>\s]+|[@#][!&]?\d+|t:-?\d+(?::[tTdDfFR])?|a?:\w+:\d+|\/[\w -]+:\d+)>/y;
/** a bare URL ends before `||`: Discord reads that as a spoiler marker, even right after a URL */
const BARE_URL = /https?:\/\/(?:[^\s<|]|\|(?!\|))+/y;

function matchAt(pattern: RegExp, text: string, at: number): number {
  pattern.lastIndex = at;
  return pattern.exec(text) ? pattern.lastIndex : -1;
}

interface CutMap {
  /** cut allowed before index i (i = 0..length) */
  allowed: Uint8Array;
  /** index into `closers` of the constructs open at i */
  state: Uint32Array;
  closers: string[];
}

function closerOf(open: string[]): string {
  return open
    .slice()
    .reverse()
    .map((marker) => (marker === FENCE ? `\n${FENCE}` : marker))
    .join('');
}

/** The cut map of the positions up to `limit`: the text past it is read only as far as a construct open there reaches. */
function mapCuts(text: string, limit: number): CutMap {
  const n = text.length;
  const end = Math.min(n, limit);
  const allowed = graphemeBoundaries(text, end);
  const state = new Uint32Array(end + 1);
  const closers = [''];
  const open: string[] = [];
  const changed = () => {
    closers.push(closerOf(open));
  };
  /** positions strictly inside [from, to) are not cut points */
  const forbid = (from: number, to: number) => {
    for (let k = from + 1; k < Math.min(to, end + 1); k++) allowed[k] = 0;
  };
  const stamp = (from: number, to: number) => {
    for (let k = from; k < Math.min(to, end + 1); k++) state[k] = closers.length - 1;
  };

  let i = 0;
  while (i < n && i <= end) {
    const inFence = open.includes(FENCE);
    let next = i + 1;
    if (text.startsWith(FENCE, i)) {
      if (inFence) open.splice(open.lastIndexOf(FENCE), 1);
      else open.push(FENCE);
      next = i + FENCE.length;
      stamp(i, i + 1);
      forbid(i, next);
      changed();
      stamp(i + 1, next);
      i = next;
      continue;
    }
    if (!inFence) {
      const c = text[i];
      if (c === '\\' && i + 1 < n) {
        const code = text.codePointAt(i + 1) ?? 0;
        next = i + 1 + (code > 0xffff ? 2 : 1);
      } else if (c === '`') {
        let run = 1;
        while (text[i + run] === '`') run++;
        const close = text.indexOf('`'.repeat(run), i + run);
        next = close === -1 ? i + run : close + run;
      } else if (c === '[') {
        next = Math.max(matchAt(MASKED_LINK, text, i), i + 1);
      } else if (c === '<') {
        next = Math.max(matchAt(ANGLE, text, i), i + 1);
      } else if (c === 'h' && (i === 0 || /\s|[(>*_~|]/.test(text[i - 1] ?? ''))) {
        next = Math.max(matchAt(BARE_URL, text, i), i + 1);
      } else {
        const toggle = TOGGLES.find((marker) => text.startsWith(marker, i));
        if (toggle) {
          stamp(i, i + 1);
          const at = open.lastIndexOf(toggle);
          if (at === -1) open.push(toggle);
          else open.splice(at, 1);
          changed();
          next = i + toggle.length;
          forbid(i, next);
          stamp(i + 1, next);
          i = next;
          continue;
        }
      }
    }
    stamp(i, next);
    forbid(i, next);
    i = next;
  }
  if (end === n) state[n] = closers.length - 1;
  return { allowed, state, closers };
}

/** A removable trailing backslash would escape the closers or the ellipsis appended after it. */
function trimCut(kept: string): string {
  const trimmed = kept.replace(/\s+$/, '');
  const slashes = /\\+$/.exec(trimmed)?.[0].length ?? 0;
  return slashes % 2 === 1 ? trimmed.slice(0, -1) : trimmed;
}

/**
 * `text` when it fits in `max`, else a prefix cut at a safe place, open constructs closed, and
 * `…` appended; the result's `.length` is at most `max`.
 */
export function truncateMarkdown(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < ELLIPSIS.length) return '';
  const { allowed, state, closers } = mapCuts(text, max);
  const fits = (i: number) => i + (closers[state[i] ?? 0]?.length ?? 0) + ELLIPSIS.length <= max;

  let lastAny = -1;
  let lastSpace = -1;
  let lastNewline = -1;
  for (let i = Math.min(text.length, max); i >= 0 && (lastAny < 0 || lastSpace < 0 || lastNewline < 0); i--) {
    if (!allowed[i] || !fits(i)) continue;
    if (lastAny < 0) lastAny = i;
    const c = text[i] ?? '';
    if (lastNewline < 0 && c === '\n') lastNewline = i;
    if (lastSpace < 0 && /\s/.test(c)) lastSpace = i;
    if (lastAny >= 0 && lastAny - i > max / 2 && lastSpace < 0) break;
  }
  if (lastAny < 0) return ELLIPSIS;
  // a newline a little further back reads better than a space; a break at all beats a word cut
  let cut = lastAny;
  if (lastSpace >= 0 && lastSpace >= lastAny - max / 2) cut = lastSpace;
  if (lastNewline >= 0 && lastNewline >= cut - Math.min(200, max / 4)) cut = lastNewline;

  // trimming removes whitespace (and a backslash escaping it): the open constructs stay the same
  return `${trimCut(text.slice(0, cut))}${closers[state[cut] ?? 0] ?? ''}${ELLIPSIS}`;
}

/** Plain text cut at a grapheme boundary, preferably at a space, with `…` appended. */
export function truncatePlain(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max < ELLIPSIS.length) return '';
  const limit = max - ELLIPSIS.length;
  const boundary = graphemeBoundaries(text, limit);
  let cut = -1;
  for (let i = limit; i >= 0; i--) {
    if (!boundary[i]) continue;
    if (cut < 0) cut = i;
    if (/\s/.test(text[i] ?? '')) {
      if (i >= cut * 0.7) cut = i;
      break;
    }
  }
  return `${text.slice(0, Math.max(cut, 0)).trimEnd()}${ELLIPSIS}`;
}

/**
 * `text` followed by `suffix` (image links) within `max`: the text gives way first, as long as
 * a useful part of it stays; past that both are cut as one.
 */
export function fitWithSuffix(text: string, suffix: string, max: number): string {
  if (text.length + suffix.length <= max) return text + suffix;
  const room = max - suffix.length;
  if (suffix.length > 0 && room >= Math.min(text.length, 64)) return truncateMarkdown(text, room) + suffix;
  return truncateMarkdown(text + suffix, max);
}
