/**
 * Plain text (Matrix `body`, Slack fallback, console): no markup. Pings that plain text can still
 * trigger somewhere (`@room` in a Matrix body under legacy push rules, `@channel`/`@here`/
 * `@everyone`, `<@…>`/`<!…>`/`<#…>` if it ever reaches Slack or Discord) get a zero-width space.
 */
import { LINE_QUOTE, OWN_LINE } from './blocks';
import type { Dialect } from './types';

const ZWSP = '\u200B';

function escape(raw: string): string {
  if (!raw.includes('@') && !raw.includes('<')) return raw;
  return raw.replace(/@(?=room|channel|here|everyone)|<(?=[@#!])/gi, (m) => m + ZWSP);
}

/** A URL stays usable: its pings are percent-encoded instead of broken with a zero-width space. */
function plainUrl(url: string): string {
  return url.replace(/@(?=room|channel|here|everyone)|<(?=[@#!])/gi, (m) => (m === '@' ? '%40' : '%3C'));
}

export const plain: Dialect = {
  bareUrlsEndAtSpace: false,
  newline: '\n',
  escape,
  joint: /^(?:@(?:room|channel|here|everyone)|<[@#!])/i,
  escapeCode: escape,
  bold: null,
  italic: null,
  strike: null,
  subtext: null,
  blur: null,
  quote: LINE_QUOTE,
  nestedQuote: OWN_LINE,
  center: OWN_LINE,
  codeBlock: () => OWN_LINE,
  inlineCode: () => null,
  showsHref: true,
  link: (href, label) => (label === href ? plainUrl(href) : `${label} (${plainUrl(href)})`),
  url: (_href, shown) => plainUrl(shown),
  // Mentions and hashtags stay text: their links would only add noise.
  mention: null,
  hashtag: null,
  spoiler: (inner) => inner,
};
