import { longestFittingPrefix } from './graphemes';
import type { BlockStyle, Dialect, Wrap } from './types';

type Escaper = (raw: string) => string;

const ZWSP = '\u200B';
const JOINT_LEADS = '@<`';
/** What may follow an open-ended bare URL directly: punctuation autolinks leave out, then a space or the end. */
const URL_END = /^[.,:;"')\]]*(?:\s|$)/;

interface Frame {
  /** markup with the enclosing line prefixes already applied */
  open: string;
  close: string;
  linePrefix: string;
  /** an HTML block: needs no newline around it */
  selfBreaking: boolean;
  block: boolean;
  opened: boolean;
}

/**
 * Output builder shared by every target. It owns everything that makes truncation safe:
 * - untrusted text is collected raw into a run and escaped as a whole (so `@` + `everyone` from two
 *   nodes is still seen as one word), then cut only between graphemes;
 * - markup opens lazily, when its first content is written, and every opened construct is closed
 *   by `finish()`; room for those closes is reserved before anything is written;
 * - atoms (links, inline code) are written whole or not at all;
 * - where two pieces meet, a zero-width space keeps them from forming a ping or markup, and a space
 *   ends a bare URL the target would otherwise extend (Discord's autolink runs to the next space).
 * Once something does not fit, the writer stops and ignores all further input.
 */
export class Writer {
  private out = '';
  /** the last character of `out` (reading it from `out` would flatten the string every time) */
  private last = '';
  private readonly frames: Frame[] = [];
  /** total length of the closes of opened frames */
  private closeLength = 0;
  private run = '';
  private runEscaper: Escaper;
  /** line prefix of the opened frames, and of all frames */
  private openedPrefix = '';
  private stackPrefix = '';
  private pendingNewline = false;
  private lineStart = true;
  /** the output ends with a bare URL that only whitespace can end */
  private urlOpenEnded = false;
  stopped = false;
  /**
   * Once stopped: a length the output would at least have had without the limit (what was written,
   * the piece that did not fit, and the closes of every construct opened), as everything written
   * before the stop is written the same way without a limit and nothing written is ever taken back.
   */
  neededLength = 0;

  constructor(
    private readonly dialect: Dialect,
    private readonly limit = Infinity,
  ) {
    this.runEscaper = dialect.escape;
  }

  /** Untrusted text; `escaper` defaults to the dialect's text escaping. */
  text(raw: string, escaper: Escaper = this.dialect.escape): void {
    if (this.stopped || raw === '') return;
    if (escaper !== this.runEscaper) {
      this.flush();
      this.runEscaper = escaper;
    }
    this.run += raw;
  }

  /** Finished markup, written whole or not at all. `bareUrl`: see `Dialect.bareUrlsEndAtSpace`. */
  atom(markup: string, bareUrl = false): void {
    this.flush();
    if (this.stopped || markup === '') return;
    const { head, extraClose } = this.plan();
    const piece = this.separated(head + this.withPrefix(markup, this.stackPrefix));
    const openEnded = bareUrl && this.dialect.bareUrlsEndAtSpace;
    // An open-ended URL keeps room for the space that may have to follow it.
    if (this.fits(piece.length + extraClose + (openEnded ? 1 : 0))) this.commit(piece, false, openEnded);
    else this.stop(piece.length + extraClose);
  }

  /** True when the next content starts a line. */
  atLineStart(): boolean {
    return this.run !== '' ? this.run.endsWith('\n') : this.lineStart || this.pendingNewline;
  }

  openInline(wrap: Wrap, linePrefix = ''): void {
    this.push(wrap, linePrefix, false, false);
  }

  closeInline(): void {
    this.pop();
  }

  /** A block starts on its own line (unless it is an HTML block). */
  beginBlock(style: BlockStyle): void {
    this.flush();
    if (this.stopped) return;
    if (!style.selfBreaking && !this.atLineStart()) this.pendingNewline = true;
    this.push(style, style.linePrefix, style.selfBreaking, true);
  }

  /** What follows a non-empty block starts on a new line. */
  endBlock(): void {
    const frame = this.pop();
    if (!frame?.opened) return;
    if (frame.selfBreaking) {
      this.pendingNewline = false;
      this.lineStart = true;
    } else {
      this.pendingNewline = true;
    }
  }

  /** Writes what is still collected, so that `stopped` tells about all the input. */
  end(): void {
    this.flush();
  }

  /**
   * The output with every open construct closed, then `tail` (whose length the limit excludes);
   * `stopped` tells whether something was left out.
   */
  finish(tail = ''): string {
    this.flush();
    let closes = '';
    for (let i = this.frames.length - 1; i >= 0; i--) {
      const frame = this.frames[i];
      if (frame?.opened) closes += frame.close;
    }
    return this.out + this.separated(closes + tail);
  }

  private push(wrap: Wrap, linePrefix: string, selfBreaking: boolean, block: boolean): void {
    this.flush();
    if (this.stopped) return;
    const below = this.stackPrefix;
    this.frames.push({
      open: this.withPrefix(wrap.open, below + linePrefix),
      close: this.withPrefix(wrap.close, below),
      linePrefix,
      selfBreaking,
      block,
      opened: false,
    });
    this.stackPrefix = below + linePrefix;
  }

  private pop(): Frame | undefined {
    this.flush();
    if (this.stopped) return undefined;
    const frame = this.frames.pop();
    if (!frame) return undefined;
    this.stackPrefix = this.stackPrefix.slice(0, this.stackPrefix.length - frame.linePrefix.length);
    if (frame.opened) {
      this.append(this.separated(frame.close));
      this.urlOpenEnded = false;
      this.closeLength -= frame.close.length;
      this.openedPrefix = this.stackPrefix;
      if (!frame.block) this.lineStart = false;
    }
    return frame;
  }

  /** What must precede new content: a pending line break and the opens of unopened frames. */
  private plan(): { head: string; extraClose: number } {
    let head = '';
    let extraClose = 0;
    let firstUnopened: Frame | undefined;
    for (const frame of this.frames) {
      if (frame.opened) continue;
      firstUnopened ??= frame;
      head += frame.open;
      extraClose += frame.close.length;
    }
    if (this.pendingNewline && !firstUnopened?.selfBreaking) {
      head = this.dialect.newline + this.openedPrefix + head;
    }
    return { head, extraClose };
  }

  /** `piece`, already separated, is written. */
  private commit(piece: string, endsLine: boolean, urlOpenEnded = false): void {
    for (const frame of this.frames) {
      if (frame.opened) continue;
      frame.opened = true;
      this.closeLength += frame.close.length;
    }
    this.openedPrefix = this.stackPrefix;
    this.pendingNewline = false;
    this.append(piece);
    this.lineStart = endsLine;
    this.urlOpenEnded = urlOpenEnded;
  }

  private append(text: string): void {
    if (text === '') return;
    this.out += text;
    this.last = text.charAt(text.length - 1);
  }

  /** `piece` preceded by what has to go between it and the output so far (see the class comment). */
  private separated(piece: string): string {
    if (this.last === '' || piece === '') return piece;
    if (this.urlOpenEnded) return URL_END.test(piece) ? piece : ' ' + piece;
    // Every joint starts with one of these characters (Dialect.joint).
    if (!JOINT_LEADS.includes(this.last)) return piece;
    return this.dialect.joint.test(this.last + piece.slice(0, 12)) ? ZWSP + piece : piece;
  }

  /** Whether `length` more units can be written with every close still fitting. */
  private fits(length: number): boolean {
    return this.out.length + length + this.closeLength <= this.limit;
  }

  private withPrefix(markup: string, prefix: string): string {
    if (prefix === '') return markup;
    return markup.includes('\n') ? markup.replace(/\n/g, '\n' + prefix) : markup;
  }

  private flush(): void {
    if (this.run === '') return;
    const raw = this.run;
    this.run = '';
    if (this.stopped) return;
    const escape = this.runEscaper;
    const { head, extraClose } = this.plan();
    const render = (text: string): string => this.separated(head + this.withPrefix(escape(text), this.stackPrefix));
    const whole = render(raw);
    if (this.fits(whole.length + extraClose)) {
      this.commit(whole, raw.endsWith('\n'));
      return;
    }
    const needed = this.out.length + this.closeLength + whole.length + extraClose;
    const budget = this.limit - this.out.length - this.closeLength - extraClose;
    const prefix = budget > head.length ? longestFittingPrefix(raw, (p) => render(p).length <= budget, budget - head.length) : '';
    if (prefix !== '') this.commit(render(prefix), false);
    this.stopped = true;
    this.neededLength = needed;
  }

  /** Stops at a piece of `length` (closes included) that does not fit. */
  private stop(length: number): void {
    this.neededLength = this.out.length + this.closeLength + length;
    this.stopped = true;
  }
}
