import type { Message } from '../../render/message';
import { bodyText } from './embeds';
import { imageLinks, sortImages } from './images';
import { embeddableUrl, escapePlain } from './links';
import { MAX_CONTENT, MAX_EMBED_TITLE, MAX_EMBEDS } from './limits';
import { shortenedNotes, shrinkToFit, TextSlot, type FitNote } from './slots';
import { fitWithSuffix, truncateMarkdown, truncatePlain } from './truncate';

/** Fixed text around a slot: `prefix` + slot + `suffix`, on its own line. */
interface Line {
  prefix?: string;
  slot: TextSlot;
}

const BLOCK_SEPARATOR = '\n\n';

function renderBlock(lines: Line[]): string {
  return lines
    .filter((line) => line.slot.value.trim() !== '')
    .map((line) => `${line.prefix ?? ''}${line.slot.value}`)
    .join('\n');
}

/**
 * A plain message for `suppressEmbeds`: each message becomes a block of markdown in `content`
 * (title as a heading, text, image links, fields, link, footer as subtext), all within 2000
 * characters; texts give way first, in proportion to their length.
 */
export function composeContent(messages: Message[], showAuthor: boolean): { content: string; notes: FitNote[] } {
  if (messages.length > MAX_EMBEDS) throw new Error(`a digest holds at most ${MAX_EMBEDS} messages, got ${messages.length}`);
  const notes: FitNote[] = [];
  const texts: TextSlot[] = [];
  const extras: TextSlot[] = [];
  const titles: TextSlot[] = [];
  const blocks = messages.map((message, i) => {
    const path = (part: string) => `content (message ${i + 1} ${part})`;
    const images = sortImages(message.images);
    if (images.unusable > 0) notes.push({ field: path('images'), dropped: images.unusable, why: 'not an http(s) URL' });
    const links = imageLinks(images.sensitive, images.shown);
    if (links.dropped > 0) notes.push({ field: path('images'), dropped: links.dropped, why: 'too many image links' });
    const text = bodyText(message);
    const lines: Line[] = [];

    const title = message.title?.replace(/\s+/g, ' ').trim();
    if (title) {
      const slot = new TextSlot(path('title'), title, truncateMarkdown, MAX_EMBED_TITLE);
      titles.push(slot);
      lines.push({ prefix: '### ', slot });
    }
    const author = message.author?.name.trim();
    if (showAuthor && author) {
      lines.push({ slot: new TextSlot(path('author'), `**${escapePlain(truncatePlain(author, 80))}**`, truncateMarkdown, MAX_CONTENT) });
    }
    const main = new TextSlot(path('text'), text + links.text, (_, max) => fitWithSuffix(text, links.text, max), MAX_CONTENT);
    texts.push(main);
    lines.push({ slot: main });

    const fields = message.fields.map((field) => `**${field.name.trim()}**: ${field.value.trim()}`).join('\n');
    const url = embeddableUrl(message.url);
    const link = url && !text.includes(url) ? `<${url.replace(/>/g, '%3E')}>` : '';
    const footer = message.footer?.trim() ? `-# ${escapePlain(message.footer.replace(/\s+/g, ' ').trim())}` : '';
    for (const [part, value] of [['fields', fields], ['link', link], ['footer', footer]] as const) {
      if (value === '') continue;
      const slot = new TextSlot(path(part), value, truncateMarkdown, MAX_CONTENT);
      extras.push(slot);
      lines.push({ slot });
    }
    return lines;
  });

  const render = () => blocks.map(renderBlock).filter((block) => block !== '').join(BLOCK_SEPARATOR);
  const textFloor = Math.floor(MAX_CONTENT / (3 * messages.length));
  shrinkToFit([{ slots: texts, floor: textFloor }, { slots: extras }, { slots: titles }, { slots: texts }], () => render().length, MAX_CONTENT);
  notes.push(...shortenedNotes(blocks.flatMap((lines) => lines.map((line) => line.slot))));

  let content = render();
  if (content.length > MAX_CONTENT) {
    notes.push({ field: 'content', from: content.length, to: MAX_CONTENT });
    content = truncateMarkdown(content, MAX_CONTENT);
  }
  if (content.trim() === '') content = escapePlain(messages.map((message) => message.event).join(', '));
  return { content, notes };
}
