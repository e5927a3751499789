import { escapeMarkdown } from '@discordjs/formatters';
import { MAX_LINK_LABEL, MAX_URL } from './limits';
import { truncatePlain } from './truncate';

/** An http(s) URL Discord will take in an embed, or undefined. */
export function embeddableUrl(raw: string | undefined): string | undefined {
  if (raw === undefined || raw.length > MAX_URL) return undefined;
  try {
    const url = new URL(raw);
    return url.protocol === 'https:' || url.protocol === 'http:' ? raw : undefined;
  } catch {
    return undefined;
  }
}

/** Plain text made inert as Discord markdown (headings, lists and masked links included). */
export function escapePlain(text: string): string {
  return escapeMarkdown(text, { heading: true, bulletedList: true, numberedList: true, maskedLink: true });
}

/** A masked link `[label](<url>)`; the URL is encoded so it cannot close the link or a spoiler. */
export function markdownLink(url: string, label: string): string {
  // Discord unescapes a backslash before any punctuation: escaping all markup characters is safe
  const safeLabel = truncatePlain(label.replace(/\s+/g, ' ').trim(), MAX_LINK_LABEL).replace(/[\\`*_~|[\]()<>#]/g, '\\$&');
  const safeUrl = url.replace(/[\s<>()|]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`);
  return `[${safeLabel}](<${safeUrl}>)`;
}

/** A link hidden behind a spoiler, for media marked sensitive. */
export function spoilerLink(url: string, label: string): string {
  return `||${markdownLink(url, label)}||`;
}
