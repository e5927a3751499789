import type { Message } from '../../render/message';
import { escapeHtml, jsonBytes, link, safeHref } from './html';
import { MATRIX_CONTENT_BUDGET_BYTES } from './limits';
import { truncateHtml, truncatePlain } from './truncate';

/** The `m.room.message` content the sink PUTs. */
export interface MatrixMessageContent {
  msgtype: 'm.notice' | 'm.text';
  body: string;
  format: 'org.matrix.custom.html';
  formatted_body: string;
  'm.mentions': { user_ids?: string[]; room?: boolean };
}

export interface ContentOptions {
  msgtype: 'm.notice' | 'm.text';
  allowMentions: boolean;
  /** bytes the content may take; the platform default unless a test wants less */
  budgetBytes?: number;
}

/** A part of the content that was cut to fit. */
export interface Truncation {
  field: 'body' | 'formatted_body';
  /** index of the message in the delivery */
  message: number;
  fromBytes: number;
  toBytes: number;
}

export interface BuiltContent {
  content: MatrixMessageContent;
  bytes: number;
  truncations: Truncation[];
}

const DIGEST_HTML_SEPARATOR = '<hr>';
const DIGEST_PLAIN_SEPARATOR = '\n\n';
/** below this, keeping a message's header and link would leave no room for its text */
const MIN_MIDDLE_BYTES = 64;

/** The HTML of one message, split so that a cut shortens the middle and keeps the header and the link. */
interface Block {
  head: string;
  middle: string;
  tail: string;
}

/**
 * One event for one or several messages (a digest: blocks separated by `<hr>`, in order).
 * Everything the sink adds comes from allowlisted tags; plain fields are escaped here.
 */
export function buildContent(messages: Message[], options: ContentOptions): BuiltContent {
  const blocks = messages.map(renderBlock);
  const plains = messages.map((m) => m.plain);
  const budget = options.budgetBytes ?? MATRIX_CONTENT_BUDGET_BYTES;
  const assemble = (htmls: string[], bodies: string[]): MatrixMessageContent => {
    const formatted = htmls.join(DIGEST_HTML_SEPARATOR);
    const body = bodies.join(DIGEST_PLAIN_SEPARATOR);
    return {
      msgtype: options.msgtype,
      body: body.trim() === '' ? `[${messages[0]?.event ?? 'event'}]` : body,
      format: 'org.matrix.custom.html',
      formatted_body: formatted,
      'm.mentions': options.allowMentions ? mentionsIn(formatted, body) : {},
    };
  };

  const full = assemble(blocks.map(joinBlock), plains);
  const fullBytes = contentBytes(full);
  if (fullBytes <= budget) return { content: full, bytes: fullBytes, truncations: [] };

  // Cut both fields in proportion to their size, each message getting a fair share, and
  // tighten if closing tags and ellipses overshoot.
  let available = budget - contentBytes(assemble(blocks.map(() => ''), plains.map(() => '')));
  for (;;) {
    const htmlSizes = blocks.map((b) => jsonBytes(joinBlock(b)));
    const plainSizes = plains.map(jsonBytes);
    const htmlTotal = sum(htmlSizes);
    const htmlBudget = Math.floor((available * htmlTotal) / (htmlTotal + sum(plainSizes)));
    const htmlShares = fairShares(htmlSizes, htmlBudget);
    const plainShares = fairShares(plainSizes, available - htmlBudget);
    const truncations: Truncation[] = [];
    const htmls = blocks.map((block, i) => {
      const share = htmlShares[i] ?? 0;
      const html = htmlSizes[i]! <= share ? joinBlock(block) : fitBlock(block, share);
      if (html !== joinBlock(block)) truncations.push(truncation('formatted_body', i, htmlSizes[i]!, html));
      return html;
    });
    const bodies = plains.map((plain, i) => {
      const cut = truncatePlain(plain, plainShares[i] ?? 0);
      if (cut.truncated) truncations.push(truncation('body', i, plainSizes[i]!, cut.text));
      return cut.text;
    });
    const content = assemble(htmls, bodies);
    const bytes = contentBytes(content);
    if (bytes <= budget || available <= 0) return { content, bytes, truncations };
    available -= bytes - budget + 16;
  }
}

/** The size the homeserver measures: the content as compact JSON in UTF-8. */
export function contentBytes(content: object): number {
  return Buffer.byteLength(JSON.stringify(content), 'utf8');
}

function renderBlock(message: Message): Block {
  const noteHref = safeHref(message.url);
  const author = message.author ? link(message.author.url, escapeHtml(message.author.name)) : '';
  let title = message.title ?? '';
  let linkedInTitle = false;
  if (title !== '' && noteHref !== undefined && !/<a[\s>]/i.test(title)) {
    title = link(noteHref, title);
    linkedInTitle = true;
  }
  const headParts = [title === '' ? '' : `<strong>${title}</strong>`, author].filter((p) => p !== '');
  const head = headParts.length > 0 ? `<p>${headParts.join(' · ')}</p>` : '';

  const fields = message.fields.map((f) => `<li><strong>${f.name}</strong>: ${f.value}</li>`).join('');
  const images = message.images
    .filter((image) => safeHref(image.url) !== undefined)
    .map((image, i) => {
      const anchor = link(image.url, escapeHtml(image.alt.trim() === '' ? `image ${i + 1}` : image.alt));
      // sensitive media must never show unhidden: the spoiler reason is what clients display
      return `🖼️ ${image.sensitive ? `<span data-mx-spoiler="sensitive">${anchor}</span>` : anchor}`;
    });
  const middle = [message.text, fields === '' ? '' : `<ul>${fields}</ul>`, images.length > 0 ? `<p>${images.join('<br>')}</p>` : '']
    .filter((p) => p !== '')
    .join('');

  const time = formatTime(message.timestamp);
  const tailParts = [
    message.footer ? escapeHtml(message.footer) : '',
    noteHref !== undefined && !linkedInTitle ? link(noteHref, escapeHtml(noteHref)) : '',
    time,
  ].filter((p) => p !== '');
  const tail = tailParts.length > 0 ? `<p><sub>${tailParts.join(' · ')}</sub></p>` : '';
  return { head, middle, tail };
}

function joinBlock(block: Block): string {
  return block.head + block.middle + block.tail;
}

function fitBlock(block: Block, share: number): string {
  const middleBudget = share - jsonBytes(block.head) - jsonBytes(block.tail);
  if (middleBudget >= MIN_MIDDLE_BYTES) return block.head + truncateHtml(block.middle, middleBudget).text + block.tail;
  return truncateHtml(joinBlock(block), share).text;
}

/** Water-filling: parts smaller than an equal share keep their size, the rest split what remains. */
function fairShares(sizes: number[], budget: number): number[] {
  const shares = new Array<number>(sizes.length).fill(0);
  const order = sizes.map((size, i) => ({ size, i })).sort((a, b) => a.size - b.size);
  let remaining = Math.max(0, budget);
  order.forEach(({ size, i }, rank) => {
    const share = Math.min(size, Math.floor(remaining / (order.length - rank)));
    shares[i] = share;
    remaining -= share;
  });
  return shares;
}

function formatTime(iso: string | undefined): string {
  if (iso === undefined) return '';
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return '';
  return `${date.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * With allowMentions: ping the Matrix users linked as matrix.to pills, and the room for `@room`.
 * Only a template's own markup makes such pills: relayed text, and every URL the event carries,
 * show matrix.to links inert (render/mfm/matrix.ts, render/markup.ts, safeHref).
 */
function mentionsIn(html: string, body: string): MatrixMessageContent['m.mentions'] {
  const users = new Set<string>();
  for (const match of html.matchAll(/href="https:\/\/matrix\.to\/#\/([^"?/]+)/g)) {
    try {
      const id = decodeURIComponent(match[1] ?? '');
      if (/^@[^:\s]+:\S+$/.test(id)) users.add(id);
    } catch {
      // a malformed escape is no user id
    }
  }
  const mentions: MatrixMessageContent['m.mentions'] = {};
  if (users.size > 0) mentions.user_ids = [...users];
  if (/(^|\s)@room\b/.test(body)) mentions.room = true;
  return mentions;
}

function truncation(field: Truncation['field'], message: number, fromBytes: number, text: string): Truncation {
  return { field, message, fromBytes, toBytes: jsonBytes(text) };
}

function sum(values: number[]): number {
  return values.reduce((a, b) => a + b, 0);
}
