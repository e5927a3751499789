import { jsonBytes } from './html';
import { graphemeBoundaryAtOrBefore } from '../../render/mfm/graphemes';

/** Clean cuts measured in JSON UTF-8 bytes: at a word or grapheme boundary, never inside a URL, tag or entity. */

export const ELLIPSIS = '…';
const ELLIPSIS_BYTES = jsonBytes(ELLIPSIS);

const URL_LIKE = /\b(?:https?|ftp|mailto|magnet):[^\s<>"]+/gi;

export interface Cut {
  text: string;
  truncated: boolean;
}

/** Plain text cut to `maxBytes` with an ellipsis. */
export function truncatePlain(text: string, maxBytes: number): Cut {
  if (jsonBytes(text) <= maxBytes) return { text, truncated: false };
  if (maxBytes < ELLIPSIS_BYTES) return { text: '', truncated: true };
  return { text: cutText(text, maxBytes - ELLIPSIS_BYTES) + ELLIPSIS, truncated: true };
}

/**
 * The longest clean prefix of a text run costing at most `maxBytes`: ends at a whitespace when that
 * keeps at least half of what fits, else at a grapheme boundary; never ends inside a URL.
 */
export function cutText(text: string, maxBytes: number): string {
  let end = prefixWithin(text, maxBytes);
  if (end >= text.length) return text;
  end = graphemeBoundaryAtOrBefore(text, end);
  const space = lastWhitespace(text, end);
  const cut = beforeUrl(text, space >= end / 2 && space > 0 ? space : end);
  return text.slice(0, cut).trimEnd();
}

/** How many UTF-16 units of `text` fit in `maxBytes` of JSON, never splitting a surrogate pair. */
function prefixWithin(text: string, maxBytes: number): number {
  let used = 0;
  for (let i = 0; i < text.length; i++) {
    const unit = text.charCodeAt(i);
    const paired = isHighSurrogate(unit) && isLowSurrogate(text.charCodeAt(i + 1));
    const cost = paired ? 4 : jsonUnitBytes(unit);
    if (used + cost > maxBytes) return i;
    used += cost;
    if (paired) i++;
  }
  return text.length;
}

function jsonUnitBytes(unit: number): number {
  if (unit === 0x22 || unit === 0x5c || unit === 0x08 || unit === 0x09 || unit === 0x0a || unit === 0x0c || unit === 0x0d) return 2;
  if (unit < 0x20) return 6;
  if (unit < 0x80) return 1;
  if (unit < 0x800) return 2;
  if (unit >= 0xd800 && unit <= 0xdfff) return 6; // a lone surrogate is escaped as \uXXXX
  return 3;
}

const isHighSurrogate = (unit: number): boolean => unit >= 0xd800 && unit <= 0xdbff;
const isLowSurrogate = (unit: number): boolean => unit >= 0xdc00 && unit <= 0xdfff;

function lastWhitespace(text: string, before: number): number {
  for (let i = before; i >= before / 2 && i > 0; i--) if (/\s/.test(text[i] ?? '')) return i;
  return -1;
}

function beforeUrl(text: string, cut: number): number {
  for (const match of text.matchAll(URL_LIKE)) {
    const start = match.index;
    if (start < cut && cut < start + match[0].length) return start;
  }
  return cut;
}

const TOKEN = /<[^>]*>|&(?:#\d+|#x[0-9a-f]+|[a-z][a-z0-9]*);|[^<&]+|[<&]/gi;
const TAG = /^<(\/?)([a-z][a-z0-9]*)\b[^>]*?(\/?)>$/i;
const VOID_TAGS = new Set(['br', 'hr', 'img']);
/** elements whose direct children cannot be text: the ellipsis goes outside them */
const NO_TEXT_TAGS = new Set(['ul', 'ol', 'table', 'thead', 'tbody', 'tr']);

interface OpenTag {
  name: string;
  /** index of the opening tag in the output, to drop it when nothing followed */
  at: number;
}

/**
 * Cuts HTML to `maxBytes` (JSON UTF-8 bytes): only between tags and entities or at a clean point of a
 * text run, then closes every open element so the result stays balanced, and marks the cut with `…`.
 */
export function truncateHtml(html: string, maxBytes: number): Cut {
  if (jsonBytes(html) <= maxBytes) return { text: html, truncated: false };
  if (maxBytes < ELLIPSIS_BYTES) return { text: '', truncated: true };
  const budget = maxBytes - ELLIPSIS_BYTES;
  const out: string[] = [];
  const open: OpenTag[] = [];
  let used = 0;
  let closing = 0; // bytes the closing tags of `open` will take

  for (const [token] of html.matchAll(TOKEN)) {
    const cost = jsonBytes(token);
    const tag = TAG.exec(token);
    if (tag) {
      const name = (tag[2] ?? '').toLowerCase();
      if (tag[1] === '/') {
        // closing tags were paid for when their element opened
        const depth = open.map((o) => o.name).lastIndexOf(name);
        if (depth < 0) continue;
        while (open.length > depth) {
          const closed = `</${open.pop()?.name}>`;
          out.push(closed);
          used += jsonBytes(closed);
          closing -= jsonBytes(closed);
        }
        continue;
      }
      const selfContained = VOID_TAGS.has(name) || tag[3] === '/';
      const closeCost = selfContained ? 0 : jsonBytes(`</${name}>`);
      if (used + cost + closing + closeCost > budget) break;
      out.push(token);
      used += cost;
      if (!selfContained) {
        open.push({ name, at: out.length - 1 });
        closing += closeCost;
      }
      continue;
    }
    if (used + cost + closing <= budget) {
      out.push(token);
      used += cost;
      continue;
    }
    if (!token.startsWith('&') && !token.startsWith('<')) {
      const part = cutText(token, budget - used - closing);
      if (part !== '') out.push(part);
    }
    break;
  }

  // an element opened just before the cut would stay empty: drop it
  for (let last = open.at(-1); last && last.at === out.length - 1; last = open.at(-1)) {
    out.pop();
    open.pop();
  }
  while (open.length > 0 && NO_TEXT_TAGS.has(open.at(-1)?.name ?? '')) out.push(`</${open.pop()?.name}>`);
  out.push(ELLIPSIS);
  while (open.length > 0) out.push(`</${open.pop()?.name}>`);
  return { text: out.join(''), truncated: true };
}
