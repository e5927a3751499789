/** Slack mrkdwn helpers for the strings the sink writes itself (relayed text arrives escaped). */

import { LINK_URL_MAX } from './limits';

/** Slack's escaping: `&`, `<`, `>` and nothing else (platforms.md §2.3). */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * mrkdwn → plain text for plain_text objects (header): links show their label, emphasis and code
 * marks go, entities decode (plain_text shows characters as they are).
 */
export function mrkdwnToPlain(text: string): string {
  return text
    .replace(/\*([^*\n]+)\*/g, '$1')
    .replace(/~([^~\n]+)~/g, '$1')
    .replace(/`([^`\n]+)`/g, '$1')
    .replace(/(^|[\s(])_([^_\n]+)_(?=$|[\s).,!?:;])/g, '$1$2')
    .replace(/<([^<>|]*)\|([^<>]*)>/g, '$2')
    .replace(/<([^<>]*)>/g, '$1')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
}

/**
 * A URL fit to sit inside `<url|label>`: http(s) only, with `|`, `<`, `>` and spaces percent-encoded,
 * at most LINK_URL_MAX long. Undefined when the value is not such a URL.
 */
export function safeUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    return undefined;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  const safe = url.href.replace(/\|/g, '%7C').replace(/</g, '%3C').replace(/>/g, '%3E').replace(/ /g, '%20');
  return safe.length <= LINK_URL_MAX ? safe : undefined;
}

/**
 * `<url|label>` with a plain label. A `|` in a label would not end it, but a lookalike keeps the
 * link unambiguous for every client.
 */
export function link(url: string, label: string): string {
  return `<${url}|${escapeMrkdwn(label).replace(/\|/g, '\u2223')}>`;
}

/**
 * Every `<!…>` and `<@…>` sequence (broadcasts, user and group mentions) turned into literal text,
 * so that nothing a template or a relayed note contains can ping. Dates (`<!date^…>`) stay.
 */
export function neutralizePings(text: string): string {
  return text.replace(/<([!@][^<>]*)>/g, (whole, inner: string) =>
    inner.startsWith('!date^') ? whole : `&lt;${inner}&gt;`,
  );
}
