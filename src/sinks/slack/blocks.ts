import type { Message, MessageImage } from '../../render/message';
import {
  BLOCKS_TEXT_BUDGET,
  CONTEXT_ELEMENTS_MAX,
  FALLBACK_TEXT_MAX,
  FIELD_TEXT_MAX,
  FOOTER_MAX,
  HEADER_TEXT_MAX,
  IMAGE_ALT_MAX,
  IMAGE_LINKS_MAX,
  IMAGE_URL_MAX,
  INLINE_IMAGES_PER_MESSAGE,
  MAX_BLOCKS,
  NAME_MAX,
  SECTION_FIELDS_MAX,
  SECTION_TEXT_MAX,
  TEXT_OBJECT_MAX,
} from './limits';
import type { ActionsBlock } from './actions';
import { escapeMrkdwn, link, mrkdwnToPlain, neutralizePings, safeUrl } from './mrkdwn';
import { splitMrkdwn, truncateMrkdwn, truncatePlain } from './split';

export interface MrkdwnText {
  type: 'mrkdwn';
  text: string;
  verbatim?: boolean;
}
export interface PlainText {
  type: 'plain_text';
  text: string;
}
export interface Image {
  type: 'image';
  image_url: string;
  alt_text: string;
}
export type Block =
  | { type: 'section'; text: MrkdwnText }
  | { type: 'section'; fields: MrkdwnText[] }
  | { type: 'header'; text: PlainText }
  | { type: 'context'; elements: Array<MrkdwnText | Image> }
  | Image
  | { type: 'divider' }
  | ActionsBlock;

/** What one delivery becomes on Slack, whichever way it is posted. */
export interface SlackContent {
  /** notification fallback: the plain text, escaped */
  text: string;
  blocks: Block[];
  /** a relayed image is marked sensitive: media previews must stay off */
  sensitive: boolean;
  /** the author of a single message (not of a digest), for the bot's name and icon */
  author?: { name: string; iconUrl?: string };
  /** the parts cut or dropped to fit Slack's limits, for the warning log */
  cut: string[];
}

export interface RenderOptions {
  allowMentions: boolean;
  /** false: every image (avatars included) as a link, for when Slack could not fetch one */
  inlineImages?: boolean;
}

/** From fullest to most compact; the first that fits a message's share of the 50 blocks is used. */
const LAYOUTS = [
  { splitBody: true, headerBlock: true, authorBlock: true, allFieldSections: true },
  { splitBody: false, headerBlock: true, authorBlock: true, allFieldSections: true },
  { splitBody: false, headerBlock: false, authorBlock: true, allFieldSections: true },
  { splitBody: false, headerBlock: false, authorBlock: false, allFieldSections: true },
  { splitBody: false, headerBlock: false, authorBlock: false, allFieldSections: false },
] as const;
type Layout = (typeof LAYOUTS)[number];

/** a field cut shorter than this is dropped instead */
const FIELD_MIN = 100;
const SHOWN_IMAGE_TYPES = /\.(png|jpe?g|gif)$/i;
/** the text budget shrinks by this factor until the measured blocks fit */
const BUDGET_SHRINK = 0.8;

/** Messages (one, or a digest) → Block Kit blocks and the fallback text, within Slack's limits. */
export function renderMessages(messages: Message[], options: RenderOptions): SlackContent {
  const count = Math.max(1, messages.length);
  const blocksEach = Math.floor((MAX_BLOCKS - (count - 1)) / count);
  let chars = BLOCKS_TEXT_BUDGET;
  for (;;) {
    const cut = new Set<string>();
    const blocks: Block[] = [];
    messages.forEach((message, i) => {
      const where = messages.length > 1 ? `messages[${i}].` : '';
      if (i > 0) blocks.push({ type: 'divider' });
      blocks.push(...messageBlocks(message, { blocks: blocksEach, chars: Math.floor(chars / count) }, options, (part) => cut.add(where + part)));
    });
    if (blocksText(blocks) <= BLOCKS_TEXT_BUDGET || chars < count * 100) {
      const fallback = fallbackText(messages);
      if (fallback.truncated) cut.add('text (fallback)');
      const author = messages.length === 1 && messages[0]?.author?.name.trim() ? messages[0].author : undefined;
      return {
        text: fallback.text,
        blocks,
        sensitive: messages.some((m) => m.images.some((image) => image.sensitive)),
        author: author && { name: author.name.trim(), iconUrl: safeUrl(author.iconUrl) },
        cut: [...cut],
      };
    }
    chars = Math.floor(chars * BUDGET_SHRINK);
  }
}

/** The characters Slack counts toward `msg_blocks_too_long`: every text object's text. */
export function blocksText(blocks: Block[]): number {
  let total = 0;
  for (const block of blocks) {
    if ('text' in block) total += block.text.text.length;
    if ('fields' in block) for (const field of block.fields) total += field.text.length;
    if ('elements' in block) for (const element of block.elements) if (element.type === 'mrkdwn') total += element.text.length;
  }
  return total;
}

interface Budget {
  blocks: number;
  chars: number;
}

function messageBlocks(message: Message, budget: Budget, options: RenderOptions, noteCut: (part: string) => void): Block[] {
  let blocks: Block[] = [];
  let notes: string[] = [];
  for (const layout of LAYOUTS) {
    notes = [];
    blocks = layoutMessage(message, layout, budget, options, (part) => notes.push(part));
    if (blocks.length <= budget.blocks) break;
  }
  notes.forEach(noteCut);
  return blocks.slice(0, budget.blocks);
}

function layoutMessage(message: Message, layout: Layout, budget: Budget, options: RenderOptions, noteCut: (part: string) => void): Block[] {
  // neutralized before any cut, so that cuts see the final length
  const relayed = (text: string): string => (options.allowMentions ? text : neutralizePings(text));
  const mrkdwn = (text: string): MrkdwnText => (options.allowMentions ? { type: 'mrkdwn', text } : { type: 'mrkdwn', text, verbatim: true });
  const inlineImages = options.inlineImages ?? true;
  const author = authorElements(message, inlineImages);
  const titlePlain = mrkdwnToPlain(relayed(message.title ?? '')).trim();
  const title = titlePlain ? truncatePlain(titlePlain, HEADER_TEXT_MAX) : undefined;
  if (title?.truncated) noteCut('title');
  const images = sortImages(message.images, inlineImages);
  const hasMeta = Boolean(message.footer || message.timestamp || safeUrl(message.url) || images.linked.length || images.inline.length);

  const fieldTexts = message.fields
    .map((field) => relayed(`*${field.name.trim()}*\n${field.value.trim()}`))
    .filter((text) => text.replace(/\*/g, '').trim() !== '');
  const fieldSectionCount = Math.ceil(fieldTexts.length / SECTION_FIELDS_MAX);
  const keptFieldSections = layout.allFieldSections ? fieldSectionCount : Math.min(1, fieldSectionCount);
  if (keptFieldSections < fieldSectionCount) noteCut('fields');
  const keptFields = fieldTexts.slice(0, keptFieldSections * SECTION_FIELDS_MAX);

  const header = title && layout.headerBlock ? title.text : undefined;
  const bodyPrefix = title && !layout.headerBlock ? `*${escapeMrkdwn(title.text)}*\n` : '';
  const bodyText = bodyPrefix + relayed(message.text.trim());
  const fixedBlocks = (author && layout.authorBlock ? 1 : 0) + (header ? 1 : 0) + keptFieldSections + (hasMeta ? 1 : 0);
  const maxBodySections = layout.splitBody ? Math.max(1, budget.blocks - fixedBlocks) : 1;

  const metaTexts = metaParts(message, images.linked, noteCut);
  const fixedChars = (header?.length ?? 0) + (author?.label.length ?? 0) + metaTexts.reduce((sum, text) => sum + text.length, 0);
  const avail = Math.max(budget.chars - fixedChars, Math.min(budget.chars, 200));
  const fieldsWanted = keptFields.reduce((sum, text) => sum + Math.min(text.length, FIELD_TEXT_MAX), 0);
  // when body and fields do not both fit, fields get at least a third
  const fieldsBudget = bodyText.length + fieldsWanted <= avail ? fieldsWanted : Math.min(fieldsWanted, Math.max(Math.floor(avail / 3), avail - bodyText.length));
  const bodyBudget = Math.min(avail - fieldsBudget, maxBodySections * SECTION_TEXT_MAX);

  const blocks: Block[] = [];

  if (author && layout.authorBlock) blocks.push({ type: 'context', elements: [...author.icon, mrkdwn(author.label)] });
  if (header) blocks.push({ type: 'header', text: { type: 'plain_text', text: header } });

  const body = splitMrkdwn(bodyText, SECTION_TEXT_MAX, bodyBudget);
  if (body.truncated) noteCut('text');
  for (const piece of body.pieces) blocks.push({ type: 'section', text: mrkdwn(piece) });

  const fields = fitFields(keptFields, fieldsBudget, noteCut).map(mrkdwn);
  for (let i = 0; i < fields.length; i += SECTION_FIELDS_MAX) {
    blocks.push({ type: 'section', fields: fields.slice(i, i + SECTION_FIELDS_MAX) });
  }

  const imageSlots = Math.max(0, budget.blocks - blocks.length - (hasMeta ? 1 : 0));
  const inline = images.inline.slice(0, imageSlots);
  blocks.push(...inline);
  const overflow = images.inline.slice(inline.length).map((image) => ({ url: image.image_url, alt: image.alt_text, sensitive: false }));
  const meta = overflow.length ? metaParts(message, [...overflow, ...images.linked], noteCut) : metaTexts;

  const context: Array<MrkdwnText | Image> = [];
  if (author && !layout.authorBlock) context.push(...author.icon, mrkdwn(author.label));
  context.push(...meta.filter((text) => text.length <= TEXT_OBJECT_MAX).map(mrkdwn));
  if (context.length) blocks.push({ type: 'context', elements: context.slice(0, CONTEXT_ELEMENTS_MAX) });

  if (blocks.length === 0) blocks.push({ type: 'section', text: mrkdwn(escapeMrkdwn(message.plain.trim() || message.event)) });
  return blocks;
}

/** Fields within `budget` characters: each cut to an equal share, or fewer fields when shares get too small to read. */
function fitFields(texts: string[], budget: number, noteCut: (part: string) => void): string[] {
  const wanted = texts.reduce((sum, text) => sum + Math.min(text.length, FIELD_TEXT_MAX), 0);
  const count = wanted <= budget ? texts.length : Math.min(texts.length, Math.max(1, Math.floor(budget / FIELD_MIN)));
  if (count < texts.length) noteCut('fields');
  const share = wanted <= budget ? FIELD_TEXT_MAX : Math.min(FIELD_TEXT_MAX, Math.floor(budget / Math.max(1, count)));
  return texts.slice(0, count).map((text, i) => {
    const field = truncateMrkdwn(text, share);
    if (field.truncated) noteCut(`fields[${i}]`);
    return field.text;
  });
}

/** Avatar and `*name*` (linked to the profile), as context elements. */
function authorElements(message: Message, showIcon: boolean): { icon: Image[]; label: string } | undefined {
  const author = message.author;
  if (!author?.name.trim()) return undefined;
  const name = truncatePlain(author.name.trim(), NAME_MAX).text;
  const profile = safeUrl(author.url);
  const icon = showIcon ? shownImageUrl(author.iconUrl) : undefined;
  return {
    icon: icon ? [{ type: 'image', image_url: icon, alt_text: name }] : [],
    label: profile ? `*${link(profile, name)}*` : `*${escapeMrkdwn(name)}*`,
  };
}

/** The trailing context line: footer, time, link to the page, and images not shown inline. */
function metaParts(message: Message, linkedImages: MessageImage[], noteCut: (part: string) => void): string[] {
  const parts: string[] = [];
  if (message.footer?.trim()) {
    const footer = truncatePlain(message.footer.trim(), FOOTER_MAX);
    if (footer.truncated) noteCut('footer');
    parts.push(escapeMrkdwn(footer.text));
  }
  const time = message.timestamp ? Date.parse(message.timestamp) : NaN;
  if (Number.isFinite(time)) {
    const fallback = message.words?.time ?? new Date(time).toISOString().replace('T', ' ').slice(0, 16) + ' UTC';
    parts.push(`<!date^${Math.floor(time / 1000)}^{date_short_pretty} {time}|${escapeMrkdwn(fallback)}>`);
  }
  const page = safeUrl(message.url);
  if (page) parts.push(link(page, message.words?.open ?? 'open'));
  const imageLinks = imageLinkList(linkedImages);
  if (imageLinks.dropped) noteCut('images');
  if (imageLinks.text) parts.push(imageLinks.text);
  return parts;
}

function imageLinkList(images: MessageImage[]): { text: string; dropped: number } {
  const links: string[] = [];
  let length = 0;
  let dropped = 0;
  images.forEach((image, i) => {
    const url = safeUrl(image.url);
    if (!url) return;
    const alt = truncatePlain(image.alt.trim() || `image ${i + 1}`, NAME_MAX).text;
    const item = link(url, image.sensitive ? `⚠ sensitive: ${alt}` : alt);
    if (length + item.length + 3 > IMAGE_LINKS_MAX) dropped += 1;
    else {
      links.push(item);
      length += item.length + 3;
    }
  });
  if (dropped) links.push(`+${dropped} more`);
  return { text: links.join(' · '), dropped };
}

/** Images Slack can show inline (not sensitive, png/jpg/gif) and those that become links. */
function sortImages(images: MessageImage[], showInline: boolean): { inline: Image[]; linked: MessageImage[] } {
  const inline: Image[] = [];
  const linked: MessageImage[] = [];
  for (const image of images) {
    const url = image.sensitive || !showInline ? undefined : shownImageUrl(image.url);
    if (url && inline.length < INLINE_IMAGES_PER_MESSAGE) {
      inline.push({ type: 'image', image_url: url, alt_text: truncatePlain(image.alt.trim() || 'image', IMAGE_ALT_MAX).text });
    } else linked.push(image);
  }
  return { inline, linked };
}

function shownImageUrl(value: string | undefined): string | undefined {
  const url = safeUrl(value);
  if (!url || url.length > IMAGE_URL_MAX) return undefined;
  return SHOWN_IMAGE_TYPES.test(new URL(url).pathname) ? url : undefined;
}

function fallbackText(messages: Message[]): { text: string; truncated: boolean } {
  const plain = messages
    .map((message) => message.plain.trim() || mrkdwnToPlain(message.title ?? '').trim() || message.event)
    .join('\n\n');
  return truncateMrkdwn(escapeMrkdwn(plain), FALLBACK_TEXT_MAX);
}
