/**
 * Cutting mrkdwn to Slack's sizes without breaking it: cuts fall on a line end, else a space, else a
 * grapheme boundary, never inside a `<…>` link or mention nor an `&…;` entity; a code fence left open
 * by a cut is closed (and reopened in the next piece).
 */
import { graphemeBoundaryAtOrBefore } from '../../render/mfm/graphemes';

const ELLIPSIS = '…';
const FENCE = '```';
const CLOSE_FENCE = '\n```';
const OPEN_FENCE = '```\n';
/** a cut at a newline or space is preferred unless it would waste more than this share of the room */
const MIN_FILL = 0.5;

export interface Cut {
  text: string;
  truncated: boolean;
}

export interface Split {
  pieces: string[];
  truncated: boolean;
}

/**
 * Splits `text` into pieces of at most `pieceMax` characters, keeping about `totalMax` in all (plus a
 * few characters of fence markers where a code block spans two pieces); what does not fit is dropped
 * and the text ends with `…`.
 */
export function splitMrkdwn(text: string, pieceMax: number, totalMax: number): Split {
  const { text: kept, truncated } = truncateMrkdwn(text, totalMax);
  const pieces: string[] = [];
  let rest = kept;
  let reopen = false;
  while (rest.length > 0) {
    const prefix = reopen ? OPEN_FENCE : '';
    if (prefix.length + rest.length <= pieceMax) {
      pieces.push(prefix + rest);
      break;
    }
    const room = pieceMax - prefix.length - CLOSE_FENCE.length;
    const cut = safeCut(rest, room);
    if (cut === 0) {
      rest = flattenLeadingConstruct(rest);
      continue;
    }
    let piece = prefix + rest.slice(0, cut).trimEnd();
    reopen = hasOpenFence(piece);
    if (reopen) piece += CLOSE_FENCE;
    pieces.push(piece);
    rest = rest.slice(cut).replace(/^[ \n]/, '');
  }
  return { pieces: pieces.filter((piece) => piece.trim() !== ''), truncated };
}

/** `text` cut to at most `max` characters, ending with `…` (and a closing fence if needed) when cut. */
export function truncateMrkdwn(text: string, max: number): Cut {
  if (text.length <= max) return { text, truncated: false };
  const room = Math.max(0, max - ELLIPSIS.length - CLOSE_FENCE.length);
  let cut = safeCut(text, room);
  while (cut === 0 && text.startsWith('<') && text.includes('>')) {
    text = flattenLeadingConstruct(text);
    cut = safeCut(text, room);
  }
  const head = text.slice(0, cut).trimEnd();
  return { text: head + ELLIPSIS + (hasOpenFence(head) ? CLOSE_FENCE : ''), truncated: true };
}

/** Plain text cut to at most `max` characters at a space or grapheme boundary, ending with `…`. */
export function truncatePlain(text: string, max: number): Cut {
  if (text.length <= max) return { text, truncated: false };
  const room = Math.max(0, max - ELLIPSIS.length);
  let cut = text.lastIndexOf(' ', room);
  if (cut < room * MIN_FILL) cut = graphemeBoundaryAtOrBefore(text, room);
  return { text: text.slice(0, cut).trimEnd() + ELLIPSIS, truncated: true };
}

/**
 * Where `text` may be cut at or before `max`: at the last line end in the better half of the room,
 * else the last space, else a grapheme boundary; then moved back out of a `<…>` or `&…;` it falls in.
 */
function safeCut(text: string, max: number): number {
  if (text.length <= max) return text.length;
  let cut = text.lastIndexOf('\n', max);
  if (cut < max * MIN_FILL) cut = text.lastIndexOf(' ', max);
  if (cut < max * MIN_FILL) cut = graphemeBoundaryAtOrBefore(text, max);
  const head = text.slice(0, cut);
  const open = head.lastIndexOf('<');
  if (open > head.lastIndexOf('>')) cut = open;
  const entity = /&[#a-z0-9]{0,8}$/i.exec(text.slice(0, cut));
  if (entity) cut = entity.index;
  return cut;
}

/**
 * A `<…>` construct longer than a whole piece cannot be kept: it becomes its label (`<url|label>`,
 * `<!date^…|fallback>`) or its inner text, which may be cut anywhere.
 */
function flattenLeadingConstruct(text: string): string {
  const end = text.indexOf('>');
  if (!text.startsWith('<') || end < 0) return text.replace(/^</, '&lt;');
  const inner = text.slice(1, end);
  const bar = inner.indexOf('|');
  return (bar >= 0 ? inner.slice(bar + 1) : inner) + text.slice(end + 1);
}

function hasOpenFence(text: string): boolean {
  return (text.split(FENCE).length - 1) % 2 === 1;
}
