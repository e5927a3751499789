/**
 * Matrix `formatted_body` (org.matrix.custom.html). Only allowlisted tags are produced:
 * strong, em, del, blockquote, pre, code (class="language-*"), a (http/https href),
 * span (data-mx-spoiler), br.
 */
import { OWN_LINE } from './blocks';
import type { BlockStyle, Dialect } from './types';
import { isMatrixPermalink } from './urls';

const ZWSP = '\u200B';
export function escapeHtml(raw: string): string {
  if (!/[&<>"']/.test(raw)) return raw;
  return raw.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;').replace(/'/g, '&#39;');
}

/** HTML-escaped, with `@room` broken for clients that still apply the legacy push rule. */
function escapeCode(raw: string): string {
  const html = escapeHtml(raw);
  return html.includes('@') ? html.replace(/@(?=room)/gi, '@' + ZWSP) : html;
}

function escape(raw: string): string {
  const html = escapeCode(raw);
  return html.includes('\n') ? html.replace(/\n/g, '<br>') : html;
}

function link(href: string, label: string): string {
  return `<a href="${escapeHtml(href)}">${label}</a>`;
}

/**
 * A matrix.to link written in a note would be a pill, and with `allowMentions` a ping of the user
 * it names: it is shown as code (clients neither link nor pill code) after its label.
 */
function relayedLink(href: string, label: string): string {
  if (!isMatrixPermalink(href)) return link(href, label);
  const code = `<code>${escapeCode(href)}</code>`;
  return label === escapeHtml(href) ? code : `${label} (${code})`;
}

const BLOCKQUOTE: BlockStyle = { open: '<blockquote>', close: '</blockquote>', linePrefix: '', selfBreaking: true };

export const matrix: Dialect = {
  bareUrlsEndAtSpace: false,
  newline: '<br>',
  escape,
  joint: /^@room/i,
  escapeCode,
  bold: { open: '<strong>', close: '</strong>' },
  italic: { open: '<em>', close: '</em>' },
  strike: { open: '<del>', close: '</del>' },
  // <small> is not allowlisted and <sub>/<sup> would shift the baseline: small text stays plain.
  subtext: null,
  blur: { open: '<span data-mx-spoiler="">', close: '</span>' },
  quote: BLOCKQUOTE,
  nestedQuote: BLOCKQUOTE,
  center: OWN_LINE,
  codeBlock: (lang) => ({
    open: lang === null ? '<pre><code>' : `<pre><code class="language-${lang}">`,
    close: '</code></pre>',
    linePrefix: '',
    selfBreaking: true,
  }),
  inlineCode: (code) => `<code>${escapeCode(code)}</code>`,
  link: relayedLink,
  url: (href, shown) => relayedLink(href, escape(shown)),
  mention: (href, acct) => link(href, escape(acct)),
  hashtag: (href, tag) => link(href, escape(tag)),
  spoiler: (inner, label) => `<span data-mx-spoiler="${escapeHtml(label ?? '')}">${inner}</span>`,
};
