import { escapeText, isMatrixPermalink, spoiler, type MfmTarget } from './mfm';

/** Wraps already-escaped markup in the target's constructs. Inputs must be escaped; labels are. */
export interface Markup {
  bold(inner: string): string;
  italic(inner: string): string;
  /** a link with an escaped label; non-http(s) URLs become plain text */
  link(url: string, label: string): string;
  quote(inner: string): string;
  /** struck through, line by line where the platform's strike does not span lines */
  strike(inner: string): string;
  spoiler(inner: string, label: string): string;
}

export function isWebUrl(url: string): boolean {
  return /^https?:\/\/[^\s<>"']+$/i.test(url);
}

const quoteLines = (inner: string) =>
  inner
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');

/**
 * Strikes each line that has text, after its quote marker. Blank lines and code blocks stay as they
 * are: a strike does not span lines, and inside a code block it would show as typed.
 */
const strikeLines = (open: string, close: string, unstrike: (line: string) => string = (line) => line) => (inner: string) => {
  let inCode = false;
  return inner
    .split('\n')
    .map((line) => {
      const [, lead = '', body = ''] = /^((?:> ?)*)(.*)$/.exec(line) ?? [];
      if (body.startsWith('```')) {
        // a fence opens a block, or closes it; "```x```" on one line is a block of its own
        if (!(body.length > 3 && body.endsWith('```') && !inCode)) inCode = !inCode;
        return line;
      }
      return inCode || body.trim() === '' ? line : `${lead}${open}${unstrike(body)}${close}`;
    })
    .join('\n');
};

/**
 * Discord: a strike inside the struck line would end it early. The text's own tildes are escaped
 * (`\~`), so a `~~` outside inline code is markup and can go.
 */
const discordUnstrike = (line: string) =>
  line
    .split(/(`[^`]*`)/)
    .map((part, i) => (i % 2 === 1 ? part : part.replace(/(?<!\\)~~/g, '')))
    .join('');

const MARKUP: Record<MfmTarget, Markup> = {
  discord: {
    bold: (inner) => `**${inner}**`,
    italic: (inner) => `*${inner}*`,
    link: (url, label) => (isWebUrl(url) ? `[${escapeText(label, 'discord')}](<${url}>)` : escapeText(label, 'discord')),
    quote: quoteLines,
    strike: strikeLines('~~', '~~', discordUnstrike),
    spoiler: (inner, label) => spoiler(inner, 'discord', label),
  },
  slack: {
    bold: (inner) => `*${inner}*`,
    italic: (inner) => `_${inner}_`,
    link: (url, label) =>
      isWebUrl(url) ? `<${url.replace(/\|/g, '%7C')}|${escapeText(label, 'slack').replace(/\|/g, '∣')}>` : escapeText(label, 'slack'),
    quote: quoteLines,
    strike: strikeLines('~', '~'),
    spoiler: (inner, label) => spoiler(inner, 'slack', label),
  },
  matrix: {
    bold: (inner) => `<strong>${inner}</strong>`,
    italic: (inner) => `<em>${inner}</em>`,
    link: (url, label) => {
      if (!isWebUrl(url)) return escapeText(label, 'matrix');
      // A matrix.to URL from the event (a profile or note URL a remote server chose) would be a pill,
      // and with allowMentions a ping: shown as code, so that only a template's own <a> makes one.
      if (isMatrixPermalink(url)) return `${escapeText(label, 'matrix')} (<code>${escapeText(url, 'matrix')}</code>)`;
      return `<a href="${escapeText(url, 'matrix')}">${escapeText(label, 'matrix')}</a>`;
    },
    quote: (inner) => `<blockquote>${inner}</blockquote>`,
    strike: (inner) => `<del>${inner}</del>`,
    spoiler: (inner, label) => spoiler(inner, 'matrix', label),
  },
  plain: {
    bold: (inner) => inner,
    italic: (inner) => inner,
    link: (url, label) => (isWebUrl(url) && url !== label ? `${escapeText(label, 'plain')} (${url})` : escapeText(label, 'plain')),
    quote: quoteLines,
    // plain text has no strike: the words stay readable (a deleted note's template says it was deleted)
    strike: (inner) => inner,
    spoiler: (inner, label) => spoiler(inner, 'plain', label),
  },
};

export function markupFor(target: MfmTarget): Markup {
  return MARKUP[target];
}
