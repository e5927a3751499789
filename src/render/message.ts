/**
 * A rendered message: what a template produced for one platform, plus the structured parts
 * (author, link, images, fields) a sink turns into embeds or blocks. All text is already
 * escaped for the platform it was rendered for. Stored in the queue as JSON.
 */

export const PLATFORMS = ['discord', 'slack', 'matrix', 'console'] as const;
export type Platform = (typeof PLATFORMS)[number];

export interface MessageImage {
  url: string;
  /** alt text, plain */
  alt: string;
  /** marked sensitive at Misskey: a sink must never show it inline unspoilered */
  sensitive: boolean;
}

export interface MessageField {
  /** in the platform's markup */
  name: string;
  /** in the platform's markup */
  value: string;
  inline: boolean;
}

export interface Message {
  /** event name (type, or the unknown type's own name) */
  event: string;
  /** body in the platform's markup: Discord markdown, Slack mrkdwn, Matrix HTML, plain text for console */
  text: string;
  /** the same body as plain text: Matrix `body`, Slack `text` fallback, notifications */
  plain: string;
  /** from template front matter, in the platform's markup */
  title?: string;
  /** 0xRRGGBB, from front matter or the event type's default */
  color?: number;
  /** from front matter, plain text */
  footer?: string;
  /** who did it: plain name (already free of pings), profile link, avatar */
  author?: { name: string; url?: string; iconUrl?: string };
  /** the page the message is about: note, profile or report */
  url?: string;
  /** ISO time of what happened */
  timestamp?: string;
  images: MessageImage[];
  fields: MessageField[];
  /** the reader's words for what a sink adds itself; a sink falls back to English and UTC without them */
  words?: MessageWords;
}

export interface MessageWords {
  /** `timestamp` as the reader reads it (their locale and zone), where a platform prints it as text */
  time?: string;
  /** the label of the link to `url` */
  open: string;
  /** the reason shown on a hidden sensitive image */
  sensitive: string;
}
