/** The tree walk shared by every target: MFM nodes → Writer calls, markup from the Dialect. */
import type { MfmFn, MfmNode } from 'mfm-js';
import { OWN_LINE, safeLang } from './blocks';
import type { BlockStyle, Dialect, Wrap } from './types';
import { hiddenHost, profileUrl, safeHttpUrl, searchUrl, shownUrl, tagUrl } from './urls';
import { Writer } from './writer';

/** MfmContext, checked once per render. */
export interface WalkContext {
  /** server origin, or null when it is not http(s) (then nothing links to it) */
  origin: string | null;
  /** its host, lowercase */
  originHost: string | null;
  authorHost: string | null;
}

interface State {
  /** inside a link label: no nested links */
  inLink: boolean;
  inBlur: boolean;
  inQuote: boolean;
  /** inside inline markup (not directly in the note, a quote or a center) */
  inline: boolean;
  /** inline markup already open: nesting it again would only add noise (`****`) */
  marks: ReadonlySet<Wrap>;
}

const TOP: State = { inLink: false, inBlur: false, inQuote: false, inline: false, marks: new Set() };

const BLOCK_TYPES = new Set<MfmNode['type']>(['quote', 'search', 'blockCode', 'mathBlock', 'center']);

/** `nodes` in `dialect`; with a `limit`, cut to fit and followed by `tail` (not counted in the limit). */
export function renderNodes(nodes: MfmNode[], dialect: Dialect, ctx: WalkContext, limit = Infinity, tail = ''): string {
  return walkNodes(nodes, dialect, ctx, limit).finish(tail);
}

/** `nodes` walked into a writer with `limit`, ended but not finished: see `Writer.stopped`. */
export function walkNodes(nodes: MfmNode[], dialect: Dialect, ctx: WalkContext, limit = Infinity): Writer {
  const writer = new Writer(dialect, limit);
  new Walk(dialect, ctx, writer).nodes(nodes, TOP);
  writer.end();
  return writer;
}

class Walk {
  constructor(
    private readonly d: Dialect,
    private readonly ctx: WalkContext,
    private readonly w: Writer,
  ) {}

  nodes(nodes: MfmNode[], state: State): void {
    for (let i = 0; i < nodes.length && !this.w.stopped; i++) {
      this.node(nodes[i] as MfmNode, nodes[i + 1], state);
    }
  }

  private node(node: MfmNode, next: MfmNode | undefined, state: State): void {
    const { d, w } = this;
    switch (node.type) {
      case 'text':
        return w.text(node.props.text);
      case 'plain':
        for (const child of node.children) w.text(child.props.text);
        return;
      case 'unicodeEmoji':
        return w.text(node.props.emoji);
      case 'emojiCode':
        // External images cannot be shown inline on any target: keep the shortcode as text.
        return w.text(`:${node.props.name}:`);
      case 'bold':
        return this.wrapped(d.bold, node.children, state);
      case 'italic':
        return this.wrapped(d.italic, node.children, state);
      case 'strike':
        return this.wrapped(d.strike, node.children, state);
      case 'small':
        return this.small(node.children, next, state);
      case 'center':
        return this.block(d.center, () => this.nodes(node.children, { ...state, inline: false }));
      case 'quote': {
        const style = state.inQuote ? d.nestedQuote : d.quote;
        return this.block(style, () => this.nodes(node.children, { ...state, inQuote: true, inline: false }));
      }
      case 'blockCode':
        return this.code(node.props.code, safeLang(node.props.lang));
      case 'mathBlock':
        return this.code(node.props.formula, null);
      case 'inlineCode':
        return this.inlineCode(node.props.code);
      case 'mathInline':
        return this.inlineCode(node.props.formula);
      case 'search':
        return this.search(node.props.query, node.props.content, state);
      case 'url':
        return this.url(node.props.url, state);
      case 'link':
        return this.link(node.props.url, node.children, state);
      case 'mention':
        return this.mention(node.props.username, node.props.host, state);
      case 'hashtag':
        return this.hashtag(node.props.hashtag, state);
      case 'fn':
        return this.fn(node, state);
    }
  }

  private wrapped(wrap: Wrap | null, children: MfmNode[], state: State): void {
    const inner: State = { ...state, inline: true };
    if (wrap === null || state.marks.has(wrap)) return this.nodes(children, inner);
    this.w.openInline(wrap);
    this.nodes(children, { ...inner, marks: new Set(state.marks).add(wrap) });
    this.w.closeInline();
  }

  /** Discord subtext marks whole lines: used only when the small text is a line of its own. */
  private small(children: MfmNode[], next: MfmNode | undefined, state: State): void {
    const style = this.d.subtext;
    const endsLine = next === undefined || BLOCK_TYPES.has(next.type) || (next.type === 'text' && next.props.text.startsWith('\n'));
    if (style === null || state.inline || state.inLink || !endsLine || !this.w.atLineStart()) {
      return this.nodes(children, { ...state, inline: true });
    }
    this.w.openInline(style, style.linePrefix);
    this.nodes(children, { ...state, inline: true });
    this.w.closeInline();
  }

  private block(style: BlockStyle, body: () => void): void {
    this.w.beginBlock(style);
    body();
    this.w.endBlock();
  }

  private code(code: string, lang: string | null): void {
    this.block(this.d.codeBlock(lang), () => this.w.text(code, this.d.escapeCode));
  }

  private inlineCode(code: string): void {
    const markup = this.d.inlineCode(code);
    if (markup === null) this.w.text(code);
    else this.w.atom(markup);
  }

  /** A search box (`query 検索`): the author's text, linked to the server's search. */
  private search(query: string, content: string, state: State): void {
    const { origin } = this.ctx;
    this.block(OWN_LINE, () => {
      if (origin === null || state.inLink) this.w.text(content);
      else this.w.atom(this.d.link(searchUrl(origin, query), this.label().escape(content)));
    });
  }

  private url(url: string, state: State): void {
    const href = state.inLink ? null : safeHttpUrl(url);
    if (href === null) this.w.text(url);
    else this.w.atom(this.d.url(href, shownUrl(url, href)), true);
  }

  private link(url: string, children: MfmNode[], state: State): void {
    const href = state.inLink ? null : safeHttpUrl(url);
    if (href === null) {
      this.nodes(children, { ...state, inline: true });
      if (!state.inLink) this.w.text(` (${url})`);
      return;
    }
    // The label is rendered whole on its own, then written as one atom: a link is never cut.
    const labelDialect = this.label();
    const labelWriter = new Writer(labelDialect);
    new Walk(labelDialect, this.ctx, labelWriter).nodes(children, { ...state, inLink: true, inline: true });
    const body = labelWriter.finish();
    if (body === '') return this.w.atom(this.d.link(href, labelDialect.escape(shownUrl(url, href))));
    // A label naming another host than the link's (or a lookalike of it) is followed by the real one.
    const hidden = this.d.showsHref ? null : hiddenHost(textOf(children), href);
    this.w.atom(this.d.link(href, body) + (hidden === null ? '' : this.d.escape(` (→ ${hidden})`)));
  }

  private mention(username: string, host: string | null, state: State): void {
    const { origin, originHost, authorHost } = this.ctx;
    // `@bob` written on a remote server means bob of that server.
    let resolved = host ?? authorHost;
    if (resolved !== null && resolved.toLowerCase() === originHost) resolved = null;
    const acct = '@' + username + (resolved !== null ? '@' + resolved : '');
    const { mention } = this.d;
    if (origin === null || state.inLink || mention === null) this.w.text(acct);
    else this.w.atom(mention(profileUrl(origin, username, resolved), acct));
  }

  private hashtag(tag: string, state: State): void {
    const { origin } = this.ctx;
    const { hashtag } = this.d;
    if (origin === null || state.inLink || hashtag === null) this.w.text('#' + tag);
    else this.w.atom(hashtag(tagUrl(origin, tag), '#' + tag));
  }

  private fn(node: MfmFn, state: State): void {
    const inner: State = { ...state, inline: true };
    const { name } = node.props;
    if (name === 'ruby') return this.ruby(node.children, inner);
    if (name === 'unixtime') {
      const date = unixtime(node.children);
      if (date !== null) return this.w.text(date);
    }
    if (name === 'blur' && this.d.blur !== null && !state.inBlur) {
      this.w.openInline(this.d.blur);
      this.nodes(node.children, { ...inner, inBlur: true });
      this.w.closeInline();
      return;
    }
    this.nodes(node.children, inner);
  }

  /** `$[ruby base reading]` → `base(reading)` (Misskey splits the last text at its first space). */
  private ruby(children: MfmNode[], state: State): void {
    const last = children[children.length - 1];
    const space = last?.type === 'text' ? last.props.text.indexOf(' ') : -1;
    if (last?.type !== 'text' || space < 0) return this.nodes(children, state);
    this.nodes(children.slice(0, -1), state);
    const text = last.props.text;
    this.w.text(`${text.slice(0, space)}(${text.slice(space + 1)})`);
  }

  private label(): Dialect {
    return this.d.labelDialect ?? this.d;
  }
}

/** What a reader sees of `nodes`, near enough to tell which hosts it names. */
function textOf(nodes: MfmNode[]): string {
  let text = '';
  for (const node of nodes) {
    if (node.type === 'text') text += node.props.text;
    else if (node.type === 'url') text += ` ${node.props.url} `;
    else if (node.type === 'mention') text += node.props.acct;
    else if (node.type === 'inlineCode') text += node.props.code;
    else if (node.type === 'search') text += node.props.content;
    else if ('children' in node && node.children !== undefined) text += textOf(node.children);
  }
  return text;
}

/** `$[unixtime 1700000000]` → `2023-11-14T22:13:20Z`, or null when it is not a plain number. */
function unixtime(children: MfmNode[]): string | null {
  const only = children.length === 1 ? children[0] : undefined;
  if (only?.type !== 'text' || !/^\s*-?\d{1,12}\s*$/.test(only.props.text)) return null;
  const date = new Date(Number(only.props.text) * 1000);
  return Number.isNaN(date.getTime()) ? null : date.toISOString().replace('.000Z', 'Z');
}
