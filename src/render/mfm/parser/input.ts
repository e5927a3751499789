/**
 * The text being parsed, with the character tests the MFM grammar makes. Character classes are
 * tables of ASCII codes: mfm-js's regexps for them (`[a-z0-9_]` and the like with the `i` flag,
 * no `u` flag) match no other code unit.
 */
import { emojiRegex } from '@misskey-dev/emoji-data';

export const LF = 0x0a;
export const CR = 0x0d;
const SPACE = 0x20;
const IDEOGRAPHIC_SPACE = 0x3000;
const TAB = 0x09;

/** [a-z0-9] with the `i` flag */
export const ALNUM = 1;
/** [a-z0-9_.-]: mention user and host names, fn argument values */
export const NAME = 2;
/** [a-z0-9_]: fn names and argument keys */
export const WORD = 4;
/** [a-z0-9_+-]: custom emoji names */
export const EMOJI_NAME = 8;
/** [.,a-z0-9_/:%#@$&?!~=+-]: URL characters outside brackets */
export const URL_CHAR = 16;
/** ASCII characters that end a hashtag */
const HASHTAG_END = 32;
/** ASCII characters some inline syntax starts with, or that end inline content (`]`, newlines) */
const SYNTAX = 64;

const CLASSES = new Uint8Array(128);
function mark(chars: string, flag: number): void {
  for (const char of chars) CLASSES[char.charCodeAt(0)]! |= flag;
}
const LETTERS_DIGITS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789';
mark(LETTERS_DIGITS, ALNUM | NAME | WORD | EMOJI_NAME | URL_CHAR);
mark('_.-', NAME);
mark('_', WORD);
mark('_+-', EMOJI_NAME);
mark('.,_/:%#@$&?!~=+-', URL_CHAR);
mark(' \t.,!?\'"#:/[]()<>\r\n', HASHTAG_END);
mark('<*_`\\~$@#:[?h]\r\n', SYNTAX);

/** Non-ASCII characters that end a hashtag (besides ASCII ones, newlines and spaces). */
const HASHTAG_END_WIDE = new Set(Array.from('\u3000【】「」（）', (char) => char.charCodeAt(0)));

/**
 * Work done by a parse, in steps of about one character looked at; past `limit` the parse stops
 * with StepLimitReached. Shared by a text and the quotes parsed out of it.
 */
export class Steps {
  private taken = 0;

  constructor(private readonly limit: number) {}

  take(steps: number): void {
    this.taken += steps;
    if (this.taken > this.limit) throw new StepLimitReached();
  }
}

export class StepLimitReached extends Error {}

const EMOJI_ANYWHERE = new RegExp(emojiRegex.source, 'g');
const EMOJI_HERE = new RegExp(emojiRegex.source, 'y');
/** In the emoji table, a position inside an emoji found by the scan: looked up when asked. */
const UNKNOWN = 0xffff;

export class Input {
  readonly length: number;
  /**
   * Length of the unicode emoji starting at each position, 0 for none; null when the text has
   * none. One regexp scan finds them all instead of trying the (large) emoji regexp everywhere.
   */
  private readonly emoji: Uint16Array | null;
  /** the last line endOfLine looked at: from lineFrom to lineTo (its newline, or the end) */
  private lineFrom = 0;
  private lineTo = -1;

  constructor(
    readonly text: string,
    private readonly steps: Steps,
  ) {
    this.length = text.length;
    steps.take(text.length);
    this.emoji = emojiTable(text);
  }

  code(x: number): number {
    return this.text.charCodeAt(x);
  }

  startsWith(value: string, x: number): boolean {
    return this.text.startsWith(value, x);
  }

  slice(from: number, to: number): string {
    return this.text.slice(from, to);
  }

  /** Where `value` occurs first at or after `from`, -1 for nowhere. */
  indexOf(value: string, from: number): number {
    const at = this.text.indexOf(value, from);
    this.steps.take((at < 0 ? this.length : at) - from + 1);
    return at;
  }

  /** Length of the newline at x (CRLF, CR or LF), 0 when there is none. */
  newline(x: number): number {
    const c = this.text.charCodeAt(x);
    if (c === LF) return 1;
    if (c !== CR) return 0;
    return this.text.charCodeAt(x + 1) === LF ? 2 : 1;
  }

  lineBegin(x: number): boolean {
    return x === 0 || this.newline(x - 1) > 0;
  }

  lineEnd(x: number): boolean {
    return x === this.length || this.newline(x) > 0;
  }

  /** The first newline at or after x, or the end of the text. */
  endOfLine(x: number): number {
    if (x >= this.lineFrom && x <= this.lineTo) return this.lineTo;
    this.lineFrom = x;
    while (x < this.length && this.newline(x) === 0) x++;
    this.steps.take(x - this.lineFrom + 1);
    return (this.lineTo = x);
  }

  is(x: number, flag: number): boolean {
    const c = this.text.charCodeAt(x);
    return c < 128 && (CLASSES[c]! & flag) !== 0;
  }

  /** The first position at or after x whose character is not in the class. */
  skip(x: number, flag: number): number {
    let end = x;
    while (end < this.length && this.is(end, flag)) end++;
    this.steps.take(end - x);
    return end;
  }

  /** mfm-js `space`: [\u0020\u3000\t] */
  isSpace(x: number): boolean {
    const c = this.text.charCodeAt(x);
    return c === SPACE || c === IDEOGRAPHIC_SPACE || c === TAB;
  }

  /** True when the character before x is an ASCII letter or digit (mention, hashtag, italic). */
  afterAlnum(x: number): boolean {
    return x > 0 && this.is(x - 1, ALNUM);
  }

  /** A character that can be part of a hashtag outside its brackets (x < length). */
  isHashtagChar(x: number): boolean {
    const c = this.text.charCodeAt(x);
    if (c < 128) return (CLASSES[c]! & HASHTAG_END) === 0;
    return !HASHTAG_END_WIDE.has(c);
  }

  /** Length of the unicode emoji (per @misskey-dev/emoji-data's regexp) at x, 0 for none. */
  emojiAt(x: number): number {
    const table = this.emoji;
    if (table === null) return 0;
    let length = table[x]!;
    if (length === UNKNOWN) {
      EMOJI_HERE.lastIndex = x;
      length = EMOJI_HERE.exec(this.text)?.[0].length ?? 0;
      table[x] = length;
    }
    return length;
  }

  /**
   * The first position at or after x where inline syntax may start or inline content may end:
   * the characters before it are text however they are parsed.
   */
  plainEnd(x: number): number {
    let end = x;
    for (; end < this.length; end++) {
      const c = this.text.charCodeAt(end);
      if (c < 128 && (CLASSES[c]! & SYNTAX) !== 0 && this.mayStartSyntax(c, end)) break;
      if (this.emoji !== null && this.emoji[end] !== 0) break;
    }
    this.steps.take(end - x);
    return end;
  }

  /** `h` only starts a URL and `?` only a link: most of them are text. */
  private mayStartSyntax(c: number, x: number): boolean {
    if (c === 0x68) return this.text.startsWith('ttp', x + 1);
    if (c === 0x3f) return this.text.charCodeAt(x + 1) === 0x5b;
    return true;
  }
}

/** Lengths of the emoji at every position of `text` (see Input.emoji). */
function emojiTable(text: string): Uint16Array | null {
  let table: Uint16Array | null = null;
  EMOJI_ANYWHERE.lastIndex = 0;
  for (let match = EMOJI_ANYWHERE.exec(text); match !== null; match = EMOJI_ANYWHERE.exec(text)) {
    table ??= new Uint16Array(text.length + 1);
    const length = match[0].length;
    table[match.index] = length;
    table.fill(UNKNOWN, match.index + 1, match.index + length);
  }
  return table;
}
