/** Discord markdown. Pings are also disabled by the sink (`allowed_mentions: { parse: [] }`). */
import { breakFences, LINE_QUOTE, longestRun, OWN_LINE } from './blocks';
import type { Dialect } from './types';
import { afterOrigin } from './urls';

const ZWSP = '\u200B';

/**
 * Markdown characters (escaped with `\`), the dot of a numbered-list marker, and the starts of
 * pings and mention-like syntax (`@everyone`, `@here`, `<@id>`, `<@&id>`, `<#id>`, `</cmd:id>`,
 * `<t:…>`, `<:emoji:id>`, `<a:emoji:id>`), broken with a zero-width space.
 * `(` and `)` stay: escaping `[` and `]` already rules out masked links, and an escaped `)` right
 * after a bare URL would be swallowed by Discord's autolink.
 */
const TEXT_SPECIAL = /[\\*_~|>#+`[\]-]|(?<=\d)\.(?=\s|$)|@(?=everyone|here)|<(?=[@#!/:]|[at]:)/gi;
const JOINT = /^(?:@(?:everyone|here)|<(?:[@#!/:]|[at]:)|``)/i;
/** In code only the pings are touched (code shows `\` literally). */
const CODE_SPECIAL = /@(?=everyone|here)|<(?=[@#!])/gi;
/** Characters of a URL Discord could read as markup. */
const URL_SPECIAL = /[()[\]|`*~]|@(?=everyone|here)/gi;

function escape(raw: string): string {
  return raw.replace(TEXT_SPECIAL, (m) => (m === '@' || m === '<' ? m + ZWSP : '\\' + m));
}

function escapeCode(raw: string): string {
  return breakFences(raw.replace(CODE_SPECIAL, (m) => m + ZWSP));
}

/** `href` is a normalised http(s) URL without credentials: only its path, query and fragment need care. */
function discordHref(href: string): string {
  const start = afterOrigin(href);
  const rest = href.slice(start).replace(URL_SPECIAL, (m) => '%' + m.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0'));
  return href.slice(0, start) + rest;
}

function inlineCode(code: string): string {
  const content = escapeCode(code);
  const fence = '`'.repeat(longestRun(content, '`') + 1);
  const pad = content.startsWith('`') || content.endsWith('`') ? ' ' : '';
  return fence + pad + content + pad + fence;
}

function link(href: string, label: string): string {
  return `[${label}](${discordHref(href)})`;
}

export const discord: Dialect = {
  bareUrlsEndAtSpace: true,
  newline: '\n',
  escape,
  joint: JOINT,
  escapeCode,
  bold: { open: '**', close: '**' },
  italic: { open: '*', close: '*' },
  strike: { open: '~~', close: '~~' },
  subtext: { open: '-# ', close: '', linePrefix: '-# ', selfBreaking: false },
  blur: { open: '||', close: '||' },
  quote: LINE_QUOTE,
  nestedQuote: OWN_LINE,
  center: OWN_LINE,
  codeBlock: (lang) => ({ open: '```' + (lang ?? '') + '\n', close: '\n```', linePrefix: '', selfBreaking: false }),
  inlineCode,
  link,
  url: (href) => discordHref(href),
  mention: (href, acct) => link(href, escape(acct)),
  hashtag: (href, tag) => link(href, escape(tag)),
  // `||` inside would end the spoiler early: break every pair with a zero-width space.
  spoiler: (inner) => `||${inner.replace(/\|(?=\|)/g, '|' + ZWSP)}||`,
};
