/**
 * MFM parser: a port of the parser of mfm-js 0.26 (https://github.com/misskey-dev/mfm.js,
 * MIT License, Copyright (c) 2020-2022 Marihachi and other contributors). `parse` and
 * `parseSimple` give exactly the trees mfm-js's functions of the same names give, 10–30 times
 * faster: the parsers are plain methods instead of combinator closures, a character picks the
 * only syntax that can start with it (tried in mfm-js's order), runs of characters no syntax
 * starts with are taken as text at once, and unicode emoji are found by one scan of the text.
 *
 * It keeps mfm-js's backtracking (a failed construct is parsed again from its next character
 * on), so hostile input still takes long, if far less than with mfm-js: `parseWithin` gives up
 * past a number of steps (see parse.ts).
 *
 * Naming follows mfm-js's grammar (src/internal/parser.ts). Every method parses at position x
 * and returns where the match ends, or FAIL; the node it matched is left in `node`, null when it
 * gave text (which its caller merges with neighbouring text, as mfm-js's mergeText does).
 */
import type { MfmInline, MfmNode, MfmSimpleNode, MfmText } from 'mfm-js';
import { ALNUM, CR, EMOJI_NAME, Input, LF, NAME, StepLimitReached, Steps, URL_CHAR, WORD } from './input';

/**
 * A parser's "no match". Every match ends past its start, never at 0, so parsers tried in
 * mfm-js's order chain with `||`.
 */
const FAIL = 0;
/** A helper's "not found". */
const NONE = -1;

const DEFAULT_NEST_LIMIT = 20;
/** Steps counted for each nested content on top of its characters: it allocates more. */
const CONTENT_STEPS = 4;

/** Nodes of MFM `text` (mfm-js `parse`). */
export function parse(text: string, options: { nestLimit?: number } = {}): MfmNode[] {
  return new Parser(text, options.nestLimit ?? DEFAULT_NEST_LIMIT, new Steps(Infinity)).full(0);
}

/**
 * `parse(text)`, or null when that takes more than `maxSteps` steps: about one per character
 * looked at, each taking 20–150 ns. Real notes take 3–6 steps per character, random MFM-heavy
 * text up to about 11; backtracking on hostile text takes hundreds to tens of thousands.
 */
export function parseWithin(text: string, maxSteps: number): MfmNode[] | null {
  try {
    return new Parser(text, DEFAULT_NEST_LIMIT, new Steps(maxSteps)).full(0);
  } catch (error) {
    if (error instanceof StepLimitReached) return null;
    throw error;
  }
}

/** Text, emoji and `<plain>` nodes of `text` (mfm-js `parseSimple`). */
export function parseSimple(text: string): MfmSimpleNode[] {
  return new Parser(text, Infinity, new Steps(Infinity)).simple();
}

/** Whether inline content stops at x (mfm-js `notMatch(close)` before each item). */
type Stop = (input: Input, x: number) => boolean;

const until =
  (close: string): Stop =>
  (input, x) =>
    input.startsWith(close, x);
const STOP_SMALL = until('</small>');
const STOP_BOLD = until('</b>');
const STOP_ITALIC = until('</i>');
const STOP_STRIKE = until('</s>');
const STOP_BIG = until('***');
const STOP_BOLD_ASTA = until('**');
const STOP_FN = until(']');
const STOP_STRIKE_WAVE: Stop = (input, x) => input.startsWith('~~', x) || input.newline(x) > 0;
const STOP_LABEL: Stop = (input, x) => input.code(x) === 0x5d || input.newline(x) > 0;
const STOP_CENTER: Stop = (input, x) => input.startsWith('</center>', x + input.newline(x));

const SEARCH_BUTTON_BRACKETED = /\[(?:検索|search)\]/iy;
const SEARCH_BUTTON = /検索|search/iy;
/** Lengths of the search buttons (`[search]`, `search`, `[検索]`, `検索`), longest first. */
const SEARCH_BUTTON_LENGTHS = [8, 6, 4, 2];

/** Opening and closing brackets (their character codes) of brackets a hashtag or URL may contain. */
const bracketPairs = (...pairs: string[]) => new Map(pairs.map((pair) => [pair.charCodeAt(0), pair.charCodeAt(1)]));
const HASHTAG_BRACKETS = bracketPairs('()', '[]', '「」', '（）');
const URL_BRACKETS = bracketPairs('()', '[]');

const TEXT = (text: string): MfmText => ({ type: 'text', props: { text } });
const BOLD = (children: MfmInline[]): MfmInline => ({ type: 'bold', children });
const ITALIC = (children: MfmInline[]): MfmInline => ({ type: 'italic', children });
const STRIKE = (children: MfmInline[]): MfmInline => ({ type: 'strike', children });
const SMALL = (children: MfmInline[]): MfmInline => ({ type: 'small', children });
/** `***big***` */
const TADA = (children: MfmInline[]): MfmInline => ({ type: 'fn', props: { name: 'tada', args: {} }, children });

/** Children of a node: the items of a sequence, consecutive text merged into one text node. */
class Children<T extends MfmNode> {
  private readonly nodes: (T | MfmText)[] = [];
  /** where the pending text began, -1 for none */
  private textFrom = -1;

  constructor(private readonly input: Input) {}

  /** Adds the item at x: `node`, or text when null. */
  add(x: number, node: T | null): void {
    if (node === null) {
      if (this.textFrom < 0) this.textFrom = x;
      return;
    }
    this.flush(x);
    this.nodes.push(node);
  }

  /** The children, the sequence having ended at x. */
  close(x: number): (T | MfmText)[] {
    this.flush(x);
    return this.nodes;
  }

  private flush(x: number): void {
    if (this.textFrom < 0) return;
    this.nodes.push(TEXT(this.input.slice(this.textFrom, x)));
    this.textFrom = -1;
  }
}

class Parser {
  private readonly input: Input;
  private node: MfmNode | null = null;
  /** mfm-js `state.linkLabel`: in a link's label, mentions, hashtags, URLs and links are text */
  private inLinkLabel = false;

  constructor(
    text: string,
    private readonly nestLimit: number,
    private readonly steps: Steps,
  ) {
    this.input = new Input(text, steps);
  }

  /** mfm-js `fullParser`: the whole text as blocks and inline syntax, at `depth`. */
  full(depth: number): MfmNode[] {
    const { input } = this;
    const children = new Children<MfmNode>(input);
    for (let x = 0; x < input.length; ) {
      this.steps.take(1);
      const plain = input.lineBegin(x) ? x : input.plainEnd(x);
      if (plain > x) {
        children.add(x, null);
        x = plain;
        continue;
      }
      const end = this.fullItem(x, depth);
      children.add(x, this.node);
      x = end;
    }
    return children.close(input.length);
  }

  /** mfm-js `simpleParser` */
  simple(): MfmSimpleNode[] {
    const { input } = this;
    const children = new Children<MfmSimpleNode>(input);
    for (let x = 0; x < input.length; ) {
      this.steps.take(1);
      const plain = input.plainEnd(x);
      const end = plain > x ? this.text(plain) : this.unicodeEmoji(x) || this.emojiCode(x) || this.plainTag(x) || this.char(x);
      children.add(x, this.node as MfmSimpleNode | null);
      x = end;
    }
    return children.close(input.length);
  }

  /**
   * mfm-js `full`: the first syntax that matches at x in mfm-js's order, else a character of
   * text. Blocks (after an optional newline) start lines, and the rest is inline syntax.
   */
  private fullItem(x: number, depth: number): number {
    const { input } = this;
    if (input.newline(x) > 0) return this.lineBlock(x, depth) || this.search(x) || this.char(x);
    if (!input.lineBegin(x)) return this.inline(x, depth);
    return this.unicodeEmoji(x) || this.lineBlock(x, depth) || this.inlineSyntax(x, depth) || this.search(x) || this.char(x);
  }

  /** The blocks that begin a line, after an optional newline at x. */
  private lineBlock(x: number, depth: number): number {
    return this.center(x, depth) || this.codeBlock(x) || this.quote(x, depth) || this.mathBlock(x);
  }

  /** mfm-js `inline`: never fails before the end of the text. */
  private inline(x: number, depth: number): number {
    return this.unicodeEmoji(x) || this.inlineSyntax(x, depth) || this.char(x);
  }

  /** The inline syntax (but unicode emoji) that starts with the character at x, in mfm-js's order. */
  private inlineSyntax(x: number, depth: number): number {
    switch (this.input.code(x)) {
      case 0x3c: // <
        return this.angleTag(x, depth) || this.urlAlt(x);
      case 0x2a: // *
        return this.big(x, depth) || this.boldAsta(x, depth) || this.italicAsta(x);
      case 0x5f: // _
        return this.boldUnder(x) || this.italicUnder(x);
      case 0x60: // `
        return this.inlineCode(x);
      case 0x5c: // \
        return this.mathInline(x);
      case 0x7e: // ~
        return this.strikeWave(x, depth);
      case 0x24: // $
        return this.fn(x, depth);
      case 0x40: // @
        return this.mention(x);
      case 0x23: // #
        return this.hashtag(x, depth);
      case 0x3a: // :
        return this.emojiCode(x);
      case 0x3f: // ?
      case 0x5b: // [
        return this.link(x, depth);
      case 0x68: // h
        return this.url(x, depth);
      default:
        return FAIL;
    }
  }

  /** `<small>`, `<plain>`, `<b>`, `<i>` and `<s>` */
  private angleTag(x: number, depth: number): number {
    const { input } = this;
    if (input.startsWith('<small>', x)) return this.tagged(x, depth, '<small>', '</small>', STOP_SMALL, SMALL);
    if (input.startsWith('<plain>', x)) return this.plainTag(x);
    if (input.startsWith('<b>', x)) return this.tagged(x, depth, '<b>', '</b>', STOP_BOLD, BOLD);
    if (input.startsWith('<i>', x)) return this.tagged(x, depth, '<i>', '</i>', STOP_ITALIC, ITALIC);
    if (input.startsWith('<s>', x)) return this.tagged(x, depth, '<s>', '</s>', STOP_STRIKE, STRIKE);
    return FAIL;
  }

  private big(x: number, depth: number): number {
    if (!this.input.startsWith('***', x)) return FAIL;
    return this.tagged(x, depth, '***', '***', STOP_BIG, TADA);
  }

  private boldAsta(x: number, depth: number): number {
    if (!this.input.startsWith('**', x)) return FAIL;
    return this.tagged(x, depth, '**', '**', STOP_BOLD_ASTA, BOLD);
  }

  private strikeWave(x: number, depth: number): number {
    if (!this.input.startsWith('~~', x)) return FAIL;
    return this.tagged(x, depth, '~~', '~~', STOP_STRIKE_WAVE, STRIKE);
  }

  /**
   * mfm-js `seqOrText(open, inline content, close)` with `open` at x: the node, else (content
   * empty or not closed) what was read as text.
   */
  private tagged(x: number, depth: number, open: string, close: string, stop: Stop, make: (children: MfmInline[]) => MfmInline): number {
    const start = x + open.length;
    const children = new Children<MfmInline>(this.input);
    const end = this.inlineContent(start, depth, stop, children);
    if (end === start) return this.text(start);
    if (!this.input.startsWith(close, end)) return this.text(end);
    this.node = make(children.close(end));
    return end + close.length;
  }

  /**
   * mfm-js `seq(notMatch(stop), nest(inline)).many(0)` from x, for syntax at `depth`: inline
   * items one level deeper (characters of text past the nest limit) until `stop` holds at an
   * item's start. Returns where it stopped.
   */
  private inlineContent(x: number, depth: number, stop: Stop, children: Children<MfmInline>): number {
    const { input } = this;
    this.steps.take(CONTENT_STEPS);
    const nestable = depth + 1 < this.nestLimit;
    while (x < input.length && !stop(input, x)) {
      this.steps.take(1);
      const plain = input.plainEnd(x);
      const end = plain > x ? this.text(plain) : nestable ? this.inline(x, depth + 1) : this.char(x);
      children.add(x, this.node as MfmInline | null);
      x = end;
    }
    return x;
  }

  private unicodeEmoji(x: number): number {
    const length = this.input.emojiAt(x);
    if (length === 0) return FAIL;
    const emoji = this.input.slice(x, x + length);
    this.node = emoji === '\ufe0f' ? null : { type: 'unicodeEmoji', props: { emoji } };
    return x + length;
  }

  private char(x: number): number {
    return this.text(x + 1);
  }

  /** Text up to `end`. */
  private text(end: number): number {
    this.node = null;
    return end;
  }

  /** mfm-js `item.many(0)` from x: where the last of the items matched one after another ends. */
  private many(x: number, item: (x: number) => number): number {
    while (x < this.input.length) {
      const next = item(x);
      if (next === FAIL) break;
      x = next;
    }
    return x;
  }

  /** After an optional newline at x, where a line must begin; NONE when it does not. */
  private lineStart(x: number): number {
    const newline = this.input.newline(x);
    if (newline > 0) return x + newline;
    return this.input.lineBegin(x) ? x : NONE;
  }

  /** Where an optional newline at x ends. */
  private skipNewline(x: number): number {
    return x + this.input.newline(x);
  }

  /**
   * mfm-js `seq(notMatch(seq(newLine.option(), close)), char).many(0)` from `from`: the first
   * position where `close` or a newline and `close` starts; NONE when there is none.
   */
  private closing(from: number, close: string): number {
    const { input } = this;
    const at = input.indexOf(close, from);
    if (at < 0) return NONE;
    if (at - 2 >= from && input.newline(at - 2) === 2) return at - 2;
    if (at - 1 >= from && input.newline(at - 1) === 1) return at - 1;
    return at;
  }

  private center(x: number, depth: number): number {
    const { input } = this;
    const start = this.lineStart(x);
    if (start === NONE || !input.startsWith('<center>', start)) return FAIL;
    const content = this.skipNewline(start + '<center>'.length);
    const children = new Children<MfmInline>(input);
    const end = this.inlineContent(content, depth, STOP_CENTER, children);
    if (end === content) return FAIL;
    const close = this.skipNewline(end);
    if (!input.startsWith('</center>', close) || !input.lineEnd(close + '</center>'.length)) return FAIL;
    this.node = { type: 'center', children: children.close(end) };
    return this.skipNewline(close + '</center>'.length);
  }

  private codeBlock(x: number): number {
    const { input } = this;
    const start = this.lineStart(x);
    if (start === NONE || !input.startsWith('```', start)) return FAIL;
    const langEnd = input.endOfLine(start + 3);
    if (langEnd === input.length) return FAIL;
    const code = langEnd + input.newline(langEnd);
    const codeEnd = this.codeBlockEnd(code);
    if (codeEnd === NONE || codeEnd === code) return FAIL;
    const lang = input.slice(start + 3, langEnd).trim();
    this.node = { type: 'blockCode', props: { code: input.slice(code, codeEnd), lang: lang.length > 0 ? lang : null } };
    return this.skipNewline(codeEnd + input.newline(codeEnd) + 3);
  }

  /** The first position at or after `from` where a newline, "```" and the end of a line follow. */
  private codeBlockEnd(from: number): number {
    const { input } = this;
    for (let at = input.indexOf('```', from); at >= 0; at = input.indexOf('```', at + 1)) {
      if (!input.lineEnd(at + 3)) continue;
      if (at - 2 >= from && input.newline(at - 2) === 2) return at - 2;
      if (at - 1 >= from && input.newline(at - 1) === 1) return at - 1;
    }
    return NONE;
  }

  private quote(x: number, depth: number): number {
    const { input } = this;
    const start = this.skipNewline(this.skipNewline(x));
    if (!input.lineBegin(start)) return FAIL;
    const lines: string[] = [];
    let end = this.quoteLine(start, lines);
    if (end === FAIL) return FAIL;
    while (end < input.length && input.newline(end) > 0) {
      const next = this.quoteLine(end + input.newline(end), lines);
      if (next === FAIL) break;
      end = next;
    }
    if (lines.length === 1 && lines[0] === '') return FAIL;
    const content = lines.join('\n');
    this.steps.take(content.length);
    const children = depth + 1 < this.nestLimit ? new Parser(content, this.nestLimit, this.steps).full(depth + 1) : [TEXT(content)];
    this.node = { type: 'quote', children };
    return this.skipNewline(this.skipNewline(end));
  }

  /** A line of a quote at x: `>`, an optional space and the rest of the line, added to `lines`. */
  private quoteLine(x: number, lines: string[]): number {
    const { input } = this;
    if (input.code(x) !== 0x3e) return FAIL;
    const from = input.isSpace(x + 1) ? x + 2 : x + 1;
    const end = input.endOfLine(from);
    lines.push(input.slice(from, end));
    return end;
  }

  private mathBlock(x: number): number {
    const { input } = this;
    const start = this.lineStart(x);
    if (start === NONE || !input.startsWith('\\[', start)) return FAIL;
    const formula = this.skipNewline(start + 2);
    const formulaEnd = this.closing(formula, '\\]');
    if (formulaEnd === NONE || formulaEnd === formula) return FAIL;
    const end = this.skipNewline(formulaEnd) + 2;
    if (!input.lineEnd(end)) return FAIL;
    this.node = { type: 'mathBlock', props: { formula: input.slice(formula, formulaEnd) } };
    return this.skipNewline(end);
  }

  /**
   * A line (after an optional newline at x) ending with a space and a search button: the first
   * such space ends the query, which must not be empty.
   */
  private search(x: number): number {
    const { input } = this;
    const start = this.lineStart(x);
    if (start === NONE) return FAIL;
    const end = input.endOfLine(start);
    for (const length of SEARCH_BUTTON_LENGTHS) {
      const space = end - length - 1;
      if (space < start || !input.isSpace(space) || this.searchButton(space + 1) !== end) continue;
      if (space === start) return FAIL;
      this.node = { type: 'search', props: { query: input.slice(start, space), content: input.slice(start, end) } };
      return this.skipNewline(end);
    }
    return FAIL;
  }

  private searchButton(x: number): number {
    const button = this.input.code(x) === 0x5b ? SEARCH_BUTTON_BRACKETED : SEARCH_BUTTON;
    button.lastIndex = x;
    const match = button.exec(this.input.text);
    return match === null ? NONE : x + match[0].length;
  }

  private plainTag(x: number): number {
    const { input } = this;
    if (!input.startsWith('<plain>', x)) return FAIL;
    const content = this.skipNewline(x + '<plain>'.length);
    const contentEnd = this.closing(content, '</plain>');
    if (contentEnd === NONE || contentEnd === content) return FAIL;
    this.node = { type: 'plain', children: [TEXT(input.slice(content, contentEnd))] };
    return this.skipNewline(contentEnd) + '</plain>'.length;
  }

  /**
   * `*` or `_` (`__` for bold), letters, digits and spaces, and the same mark; `word` when it must
   * not follow a letter or digit.
   */
  private emphasis(x: number, mark: string, word: boolean, make: (children: MfmInline[]) => MfmInline): number {
    const { input } = this;
    if (!input.startsWith(mark, x)) return FAIL;
    const content = x + mark.length;
    let end = content;
    while (end < input.length && (input.is(end, ALNUM) || input.isSpace(end))) end++;
    this.steps.take(end - content);
    if (end === content || !input.startsWith(mark, end) || (word && input.afterAlnum(x))) return FAIL;
    this.node = make([TEXT(input.slice(content, end))]);
    return end + mark.length;
  }

  private italicAsta(x: number): number {
    return this.emphasis(x, '*', true, ITALIC);
  }

  private boldUnder(x: number): number {
    return this.emphasis(x, '__', false, BOLD);
  }

  private italicUnder(x: number): number {
    return this.emphasis(x, '_', true, ITALIC);
  }

  private inlineCode(x: number): number {
    const { input } = this;
    if (input.code(x) !== 0x60) return FAIL;
    let end = x + 1;
    while (end < input.length && !endsInlineCode(input.code(end))) end++;
    this.steps.take(end - x);
    if (end === x + 1 || input.code(end) !== 0x60) return FAIL;
    this.node = { type: 'inlineCode', props: { code: input.slice(x + 1, end) } };
    return end + 1;
  }

  private mathInline(x: number): number {
    const { input } = this;
    if (!input.startsWith('\\(', x)) return FAIL;
    let end = x + 2;
    while (end < input.length && !input.startsWith('\\)', end) && input.newline(end) === 0) end++;
    this.steps.take(end - x);
    if (end === x + 2 || !input.startsWith('\\)', end)) return FAIL;
    this.node = { type: 'mathInline', props: { formula: input.slice(x + 2, end) } };
    return end + 2;
  }

  /** `$[name.args content]`, or what was read of it as text. */
  private fn(x: number, depth: number): number {
    const { input } = this;
    if (!input.startsWith('$[', x)) return FAIL;
    const nameEnd = input.skip(x + 2, WORD);
    if (nameEnd === x + 2) return this.text(nameEnd);
    const args: Record<string, string | true> = {};
    let argsEnd = nameEnd;
    if (input.code(nameEnd) === 0x2e) argsEnd = this.fnArgs(nameEnd + 1, args);
    if (argsEnd === FAIL) argsEnd = nameEnd;
    if (input.code(argsEnd) !== 0x20) return this.text(argsEnd);
    const content = argsEnd + 1;
    const children = new Children<MfmInline>(input);
    const end = this.inlineContent(content, depth, STOP_FN, children);
    if (end === content) return this.text(content);
    if (input.code(end) !== 0x5d) return this.text(end);
    this.node = { type: 'fn', props: { name: input.slice(x + 2, nameEnd), args }, children: children.close(end) };
    return end + 1;
  }

  /** `key` or `key=value`, separated by commas, into `args`. */
  private fnArgs(x: number, args: Record<string, string | true>): number {
    let end = this.fnArg(x, args);
    if (end === FAIL) return FAIL;
    while (end < this.input.length && this.input.code(end) === 0x2c) {
      const next = this.fnArg(end + 1, args);
      if (next === FAIL) break;
      end = next;
    }
    return end;
  }

  private fnArg(x: number, args: Record<string, string | true>): number {
    const { input } = this;
    const keyEnd = input.skip(x, WORD);
    if (keyEnd === x) return FAIL;
    const key = input.slice(x, keyEnd);
    const valueEnd = input.code(keyEnd) === 0x3d ? input.skip(keyEnd + 1, NAME) : keyEnd;
    if (valueEnd > keyEnd + 1) {
      args[key] = input.slice(keyEnd + 1, valueEnd);
      return valueEnd;
    }
    args[key] = true;
    return keyEnd;
  }

  /** `@user` or `@user@host`, as mfm-js trims and checks them. */
  private mention(x: number): number {
    const { input } = this;
    if (this.inLinkLabel || input.code(x) !== 0x40) return FAIL;
    const nameEnd = input.skip(x + 1, NAME);
    if (nameEnd === x + 1) return FAIL;
    let end = nameEnd;
    if (input.code(nameEnd) === 0x40) {
      const hostEnd = input.skip(nameEnd + 1, NAME);
      if (hostEnd > nameEnd + 1) end = hostEnd;
    }
    if (input.afterAlnum(x)) return FAIL;
    const host = end > nameEnd ? input.slice(nameEnd + 1, end) : null;
    return this.mentionOf(x, end, input.slice(x + 1, nameEnd), host);
  }

  private mentionOf(x: number, end: number, username: string, hostname: string | null): number {
    let invalid = false;
    let host = hostname;
    if (hostname !== null) {
      host = trimNameEnd(hostname);
      if (host.length === 0) {
        invalid = true;
        host = null;
      }
    }
    let name = username;
    if (trimNameEnd(username) !== username) {
      if (host === null) name = trimNameEnd(username);
      else invalid = true;
    }
    if (name.length === 0 || startsWithNameMark(name) || (host !== null && startsWithNameMark(host))) invalid = true;
    if (invalid) return this.text(end);
    const acct = host !== null ? `@${name}@${host}` : `@${name}`;
    this.node = { type: 'mention', props: { username: name, host, acct } };
    return x + acct.length;
  }

  private hashtag(x: number, depth: number): number {
    const { input } = this;
    if (this.inLinkLabel || input.code(x) !== 0x23) return FAIL;
    const end = this.many(x + 1, (at) => this.hashtagItem(at, depth));
    if (end === x + 1 || input.afterAlnum(x)) return FAIL;
    const hashtag = input.slice(x + 1, end);
    if (/^[0-9]+$/.test(hashtag)) return FAIL;
    this.node = { type: 'hashtag', props: { hashtag } };
    return end;
  }

  /** A hashtag character, or brackets around hashtag items one level deeper. */
  private hashtagItem(x: number, depth: number): number {
    const { input } = this;
    this.steps.take(1);
    const close = HASHTAG_BRACKETS.get(input.code(x));
    if (close === undefined) return input.isHashtagChar(x) ? x + 1 : FAIL;
    const end = this.many(x + 1, depth + 1 < this.nestLimit ? (at) => this.hashtagItem(at, depth + 1) : (at) => (input.isHashtagChar(at) ? at + 1 : FAIL));
    return input.code(end) === close ? end + 1 : FAIL;
  }

  private emojiCode(x: number): number {
    const { input } = this;
    if (input.code(x) !== 0x3a) return FAIL;
    const nameEnd = input.skip(x + 1, EMOJI_NAME);
    if (nameEnd === x + 1 || input.code(nameEnd) !== 0x3a || input.is(nameEnd + 1, ALNUM)) return FAIL;
    this.node = { type: 'emojiCode', props: { name: input.slice(x + 1, nameEnd) } };
    return nameEnd + 1;
  }

  /** `[label](url)` or `?[label](url)` */
  private link(x: number, depth: number): number {
    const { input } = this;
    if (this.inLinkLabel) return FAIL;
    const silent = input.startsWith('?[', x);
    if (!silent && input.code(x) !== 0x5b) return FAIL;
    const label = silent ? x + 2 : x + 1;
    const children = new Children<MfmInline>(input);
    this.inLinkLabel = true;
    const labelEnd = this.inlineContent(label, depth, STOP_LABEL, children);
    this.inLinkLabel = false;
    if (labelEnd === label || !input.startsWith('](', labelEnd)) return FAIL;
    const urlEnd = this.urlAlt(labelEnd + 2) || this.url(labelEnd + 2, depth);
    const url = this.node;
    if (urlEnd === FAIL || url === null || url.type !== 'url' || input.code(urlEnd) !== 0x29) return FAIL;
    this.node = { type: 'link', props: { silent, url: url.props.url }, children: children.close(labelEnd) };
    return urlEnd + 1;
  }

  /** Length of `http://` or `https://` at x, 0 for neither. */
  private scheme(x: number): number {
    if (this.input.startsWith('https://', x)) return 8;
    return this.input.startsWith('http://', x) ? 7 : 0;
  }

  /** A URL (its trailing dots and commas left out), or text when nothing else is left. */
  private url(x: number, depth: number): number {
    const { input } = this;
    const scheme = this.scheme(x);
    if (this.inLinkLabel || scheme === 0) return FAIL;
    const end = this.many(x + scheme, (at) => this.urlItem(at, depth));
    if (end === x + scheme) return FAIL;
    let urlEnd = end;
    while (urlEnd > x + scheme && (input.code(urlEnd - 1) === 0x2e || input.code(urlEnd - 1) === 0x2c)) urlEnd--;
    if (urlEnd === x + scheme) return this.text(end);
    this.node = { type: 'url', props: { url: input.slice(x, urlEnd) } };
    return urlEnd;
  }

  /** A URL character, or brackets around URL items one level deeper. */
  private urlItem(x: number, depth: number): number {
    const { input } = this;
    this.steps.take(1);
    const close = URL_BRACKETS.get(input.code(x));
    if (close === undefined) return input.is(x, URL_CHAR) ? x + 1 : FAIL;
    const end = this.many(x + 1, depth + 1 < this.nestLimit ? (at) => this.urlItem(at, depth + 1) : (at) => (input.is(at, URL_CHAR) ? at + 1 : FAIL));
    return input.code(end) === close ? end + 1 : FAIL;
  }

  /** `<https://…>`: anything but spaces up to `>`. */
  private urlAlt(x: number): number {
    const { input } = this;
    const scheme = input.code(x) === 0x3c ? this.scheme(x + 1) : 0;
    if (this.inLinkLabel || scheme === 0) return FAIL;
    const from = x + 1 + scheme;
    let end = from;
    while (end < input.length && input.code(end) !== 0x3e && !input.isSpace(end)) end++;
    this.steps.take(end - x);
    if (end === from || input.code(end) !== 0x3e) return FAIL;
    this.node = { type: 'url', props: { url: input.slice(x + 1, end), brackets: true } };
    return end + 1;
  }
}

/** `name` without its trailing dots and hyphens. */
function trimNameEnd(name: string): string {
  let end = name.length;
  while (end > 0 && (name[end - 1] === '.' || name[end - 1] === '-')) end--;
  return name.slice(0, end);
}

/** `, ´ and newlines */
function endsInlineCode(c: number): boolean {
  return c === 0x60 || c === 0xb4 || c === LF || c === CR;
}

function startsWithNameMark(name: string): boolean {
  return name[0] === '.' || name[0] === '-';
}
