/**
 * Slack mrkdwn. Escaping is Slack's rule (`&`, `<`, `>` only), which already defuses every ping
 * (`<!channel>`, `<@U…>`). `*`, `_`, `~` and backticks stay: no way to defuse them without
 * changing the visible text is documented (only ``` is broken, see `escape`).
 */
import { breakFences, LINE_QUOTE, OWN_LINE } from './blocks';
import type { Dialect } from './types';

const ZWSP = '\u200B';
function escapeEntities(raw: string): string {
  if (!/[&<>]/.test(raw)) return raw;
  return raw.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Also breaks `@channel`, `@here`, `@everyone` (read as pings where `link_names` is on) and runs of
 * three backticks (they would open a code block swallowing the rest), with zero-width spaces.
 */
function escape(raw: string): string {
  const text = escapeEntities(raw);
  return breakFences(text.includes('@') ? text.replace(/@(?=channel|here|everyone)/gi, '@' + ZWSP) : text);
}

function escapeCode(raw: string): string {
  return breakFences(escapeEntities(raw));
}

/** `|` would end the URL part of `<url|label>`; `&` is written as an entity like everywhere. */
function slackHref(href: string): string {
  return /[|&]/.test(href) ? href.replace(/\|/g, '%7C').replace(/&/g, '&amp;') : href;
}

function link(href: string, label: string): string {
  return `<${slackHref(href)}|${label}>`;
}

const mrkdwn: Dialect = {
  bareUrlsEndAtSpace: false,
  newline: '\n',
  escape,
  joint: /^(?:@(?:channel|here|everyone)|``)/i,
  escapeCode,
  bold: { open: '*', close: '*' },
  italic: { open: '_', close: '_' },
  strike: { open: '~', close: '~' },
  subtext: null,
  blur: null,
  quote: LINE_QUOTE,
  nestedQuote: OWN_LINE,
  center: OWN_LINE,
  codeBlock: () => ({ open: '```\n', close: '\n```', linePrefix: '', selfBreaking: false }),
  // Slack inline code cannot contain a backtick.
  inlineCode: (code) => (code.includes('`') ? null : '`' + escapeCode(code) + '`'),
  link,
  url: (href, shown) => (href === shown ? `<${slackHref(href)}>` : link(href, escape(shown))),
  // Link labels never ping, but break the `@` anyway: the text must not read as a Slack mention.
  mention: (href, acct) => link(href, escape(acct.replace(/^@/, '@' + ZWSP))),
  hashtag: (href, tag) => link(href, escape(tag)),
  spoiler: (inner) => inner,
};

export const slack: Dialect = {
  ...mrkdwn,
  // Slack shows link labels as plain text: no formatting markup inside.
  labelDialect: { ...mrkdwn, bold: null, italic: null, strike: null, inlineCode: () => null },
};
