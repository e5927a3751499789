/**
 * MFM (Misskey's markup, written by strangers: hostile) → Discord markdown, Slack mrkdwn,
 * Matrix HTML or plain text. One tree walk (walk.ts) and one output builder (writer.ts) serve
 * every target; each target file supplies only its escaping and markup.
 */
import { discord } from './discord';
import { ELLIPSIS, longestFittingPrefix } from './graphemes';
import { matrix } from './matrix';
import { parseBounded } from './parse';
import { plain } from './plain';
import { stripUnsafe } from './sanitize';
import { slack } from './slack';
import type { Dialect, MfmContext, MfmTarget, RenderOptions, RenderResult } from './types';
import { safeHttpUrl, serverOrigin, shownUrl } from './urls';
import { renderNodes, walkNodes, type WalkContext } from './walk';

export type { MfmContext, MfmTarget, RenderOptions, RenderResult } from './types';
export { MFM_TARGETS } from './types';
export { truncateText } from './graphemes';
export { stopMfmParser } from './parse';
export { isMatrixPermalink } from './urls';

/** A URL as a label: as written, with an internationalised host in punycode (see `shownUrl`). */
export function urlLabel(url: string): string {
  const href = safeHttpUrl(url);
  return href === null ? url : shownUrl(url, href);
}

const DIALECTS: Record<MfmTarget, Dialect> = { discord, slack, matrix, plain };

/**
 * Longest note text handed to the parser (Misskey's default limit is 3000); longer notes are cut
 * (between graphemes) and rendered as truncated. With `maxLength`, a shorter cut suffices.
 */
const MAX_INPUT = 6000;

/** Full conversion of note text; with `maxLength`, cut between graphemes or nodes and closed. */
export function renderMfm(text: string, target: MfmTarget, ctx: MfmContext, options: RenderOptions = {}): RenderResult {
  const dialect = DIALECTS[target];
  const max = options.maxLength === undefined ? undefined : Math.max(0, Math.floor(options.maxLength));
  const clean = stripUnsafe(text);
  const cap = max === undefined ? MAX_INPUT : Math.min(MAX_INPUT, max * 4 + 1024);
  const inputCut = clean.length > cap;
  const nodes = parseBounded(inputCut ? longestFittingPrefix(clean, (p) => p.length <= cap, cap) : clean);
  const walkContext = toWalkContext(ctx);

  if (max === undefined && !inputCut) return { output: renderNodes(nodes, dialect, walkContext), truncated: false };
  let tail = moreTail(dialect, options);
  if (max !== undefined && tail.length > max) tail = max >= ELLIPSIS.length ? ELLIPSIS : '';
  const limit = max === undefined ? Infinity : max - tail.length;
  // One walk with the room left for the tail tells most notes apart: one that never stops is the
  // whole text and fits; one that stops at a piece taking it past `max` needs cutting. Only one
  // stopping in between (whole, it would need the tail's room but fit in `max`) is walked whole.
  const cut = walkNodes(nodes, dialect, walkContext, limit);
  if (!inputCut) {
    if (!cut.stopped) {
      // the whole text, written exactly as without a limit
      const output = cut.finish();
      if (max === undefined || output.length <= max) return { output, truncated: false };
    } else if (max !== undefined && cut.neededLength <= max) {
      const output = renderNodes(nodes, dialect, walkContext);
      if (output.length <= max) return { output, truncated: false };
    }
  }
  return { output: cut.finish(tail), truncated: true };
}

/** Arbitrary untrusted plain text (names, CWs, report comments) made inert in `target`. */
export function escapeText(text: string, target: MfmTarget): string {
  return DIALECTS[target].escape(stripUnsafe(text));
}

/**
 * `inner` (already in the target's markup) as a spoiler: Discord `||inner||`, Matrix
 * `<span data-mx-spoiler="label">`. Slack and plain have no spoiler: `inner` comes back unchanged
 * and the caller decides whether to show it.
 */
export function spoiler(inner: string, target: MfmTarget, label?: string): string {
  return DIALECTS[target].spoiler(inner, label === undefined ? undefined : stripUnsafe(label));
}

let lastServer: { server: string; checked: ReturnType<typeof serverOrigin> } | null = null;

function toWalkContext(ctx: MfmContext): WalkContext {
  if (lastServer?.server !== ctx.server) lastServer = { server: ctx.server, checked: serverOrigin(ctx.server) };
  const server = lastServer.checked;
  const authorHost = ctx.authorHost ? stripUnsafe(ctx.authorHost).trim() : '';
  return { origin: server?.origin ?? null, originHost: server?.host ?? null, authorHost: authorHost === '' ? null : authorHost };
}

/** `…`, then a link to the full note when `moreUrl` is http(s). */
function moreTail(dialect: Dialect, options: RenderOptions): string {
  const href = options.moreUrl === undefined ? null : safeHttpUrl(options.moreUrl);
  if (href === null) return ELLIPSIS;
  const label = (dialect.labelDialect ?? dialect).escape(stripUnsafe(options.moreLabel ?? 'more'));
  return `${ELLIPSIS} ${dialect.link(href, label)}`;
}
