/** HTML building blocks for formatted_body: escaping and the link schemes Matrix clients render. */
import { isMatrixPermalink } from '../../render/mfm';

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

/** Escapes plain text (author names, alt texts, footers) for HTML text and attribute values. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/**
 * `a href` values clients keep: absolute http(s) URLs only (ftp/mailto/magnet never come from
 * Misskey). Not matrix.to: a note, author or file URL chosen by a remote server must not be a pill.
 */
export function safeHref(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    const parsed = new URL(url);
    if (isMatrixPermalink(parsed.href)) return undefined;
    return parsed.protocol === 'https:' || parsed.protocol === 'http:' ? parsed.href : undefined;
  } catch {
    return undefined;
  }
}

/** `<a href="…">label</a>` with an escaped href; the label is HTML already. Plain label when the URL is unsafe. */
export function link(url: string | undefined, labelHtml: string): string {
  const href = safeHref(url);
  return href === undefined ? labelHtml : `<a href="${escapeHtml(href)}">${labelHtml}</a>`;
}

/** What a string costs inside the event's JSON, in UTF-8 bytes (quotes, backslashes and newlines are escaped). */
export function jsonBytes(text: string): number {
  return Buffer.byteLength(JSON.stringify(text), 'utf8') - 2;
}
