/**
 * How much of a payload the bridge reads: every text and list is cut here, at normalize, so no
 * later step (routing filters, templates, the MFM parser, truncation) ever works on more. Each limit
 * is above what Misskey itself allows (docs/operations.md, "Limits"); a cut text ends with `…`.
 */
export const LIMITS = {
  /** note text; Misskey: 3,000 by default (`maxNoteLength`), remote notes a little more */
  text: 16_384,
  /** content warning; Misskey: 100 */
  cw: 1_024,
  /** display name and username; Misskey: 50 (remote 128) */
  name: 256,
  /** profile description; Misskey: 1,500 */
  description: 4_096,
  /** abuse report comment (Misskey: 2,048) and attachment alt text (Misskey: 512) */
  comment: 4_096,
  /** a report's moderation note; Misskey: 8,192 */
  moderationNote: 16_384,
  /** other short texts: file names, channel and instance names, reactions, poll choices */
  short: 512,
  /** attachments of a note; Misskey: 16 */
  files: 32,
  /** poll choices; Misskey: 10 */
  pollChoices: 32,
  /** a URL (avatar, file, emoji, remote page); a longer one reads as missing */
  url: 4_096,
  /** hashtags of a note, custom emoji of a note or user */
  tags: 64,
  emojis: 256,
} as const;

const ELLIPSIS = '…';

/** `text` cut to `max` UTF-16 units (never inside a surrogate pair), ending with `…` when cut. */
export function capText(text: string, max: number): string {
  if (text.length <= max) return text;
  let cut = max - ELLIPSIS.length;
  const high = text.charCodeAt(cut - 1);
  if (high >= 0xd800 && high <= 0xdbff) cut--;
  return text.slice(0, cut) + ELLIPSIS;
}
