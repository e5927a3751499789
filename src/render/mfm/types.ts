/** Shared types of the MFM renderer. */

export type MfmTarget = 'discord' | 'slack' | 'matrix' | 'plain';

export const MFM_TARGETS: readonly MfmTarget[] = ['discord', 'slack', 'matrix', 'plain'];

export interface MfmContext {
  /** origin of the Misskey server, e.g. https://misskey.example */
  server: string;
  /** host of the note author, for relative mentions (`@bob` written on a remote server) */
  authorHost?: string | null;
}

export interface RenderOptions {
  /** maximum output length in UTF-16 code units (JS string length) */
  maxLength?: number;
  /** http(s) link appended after the ellipsis when the output is truncated */
  moreUrl?: string;
  /** label of that link (default "more") */
  moreLabel?: string;
}

export interface RenderResult {
  output: string;
  truncated: boolean;
}

/** Markup placed around inline content. */
export interface Wrap {
  open: string;
  close: string;
}

/**
 * Markup of a block (own line). `linePrefix` is repeated after every newline inside the block
 * (Discord/Slack quotes); `selfBreaking` blocks (HTML elements) need no newline before or after.
 */
export interface BlockStyle extends Wrap {
  linePrefix: string;
  selfBreaking: boolean;
}

/**
 * What a target supplies to the shared tree walk: its escaping and its markup.
 * Every string it receives is already free of control and bidi-override characters.
 */
export interface Dialect {
  /** line break in this markup */
  readonly newline: string;
  /**
   * Bare URLs are auto-linked up to the next whitespace (Discord), so a space must separate one
   * from whatever directly follows it (Japanese text, closing `**`, the ellipsis), unless that is
   * trailing punctuation the autolink leaves out (`.,:;"')]`) followed by a space or the end.
   */
  readonly bareUrlsEndAtSpace: boolean;
  /** untrusted text → inert text in this markup (newlines become `newline`) */
  escape(raw: string): string;
  /**
   * Tested on the last written character plus the start of the next piece: a match means the two
   * would join into a ping (`@` + `everyone`) or markup (`` + `), so the writer puts a zero-width
   * space between them. It must start with `@`, `<` or a backtick (the writer tests only those).
   */
  readonly joint: RegExp;
  /** untrusted code → inert content of a code block (newlines kept) */
  escapeCode(raw: string): string;
  readonly bold: Wrap | null;
  readonly italic: Wrap | null;
  readonly strike: Wrap | null;
  /** `<small>`: markup usable only when the small text fills whole lines (Discord `-# `) */
  readonly subtext: BlockStyle | null;
  /** `$[blur]` */
  readonly blur: Wrap | null;
  readonly quote: BlockStyle;
  /** quote inside a quote (Discord/Slack have a single level) */
  readonly nestedQuote: BlockStyle;
  readonly center: BlockStyle;
  codeBlock(lang: string | null): BlockStyle;
  /** null: show the code as ordinary text */
  inlineCode(code: string): string | null;
  /** `href` is a checked http(s) URL; `label` is already in this markup */
  link(href: string, label: string): string;
  /** `link` writes the URL beside its label (plain text): a misleading label needs no warning */
  readonly showsHref?: boolean;
  /** a bare URL; `shown` is its text as the author wrote it (or `href` if that hid the host) */
  url(href: string, shown: string): string;
  /** a mention link (`acct` is plain text such as `@user@host`); null: mentions stay text */
  readonly mention: ((href: string, acct: string) => string) | null;
  /** a hashtag link (`tag` includes `#`); null: hashtags stay text */
  readonly hashtag: ((href: string, tag: string) => string) | null;
  /** dialect used for link labels (Slack labels cannot hold formatting) */
  readonly labelDialect?: Dialect;
  /** `spoiler()` of the public API */
  spoiler(inner: string, label?: string): string;
}
