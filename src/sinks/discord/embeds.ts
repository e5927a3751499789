import type { APIEmbed } from 'discord-api-types/v10';
import type { Message } from '../../render/message';
import { imageLinks, shareGallerySlots, sortImages, type SortedImages } from './images';
import { embeddableUrl, escapePlain } from './links';
import {
  MAX_COLOR,
  MAX_EMBED_AUTHOR_NAME,
  MAX_EMBED_DESCRIPTION,
  MAX_EMBED_FIELDS,
  MAX_EMBED_FOOTER,
  MAX_EMBED_TITLE,
  MAX_EMBEDS,
  MAX_EMBEDS_TOTAL,
  MAX_FIELD_NAME,
  MAX_FIELD_VALUE,
} from './limits';
import { shortenedNotes, shrinkToFit, sumLengths, TextSlot, type FitNote } from './slots';
import { fitWithSuffix, truncateMarkdown, truncatePlain } from './truncate';

/** Discord needs a non-empty field name and value; a zero-width space is the usual blank. */
const BLANK = '\u200b';

interface EmbedDraft {
  /** the embed's url; gallery embeds share it so Discord groups their images */
  url?: string;
  color?: number;
  timestamp?: string;
  author?: { name: TextSlot; url?: string; icon_url?: string };
  title?: TextSlot;
  description: TextSlot;
  fields: { name: TextSlot; value: TextSlot; inline: boolean }[];
  footer?: TextSlot;
  image?: string;
  gallery: string[];
}

export interface ComposedEmbeds {
  embeds: APIEmbed[];
  notes: FitNote[];
}

export const validColor = (color: number | undefined): number | undefined =>
  color !== undefined && Number.isInteger(color) && color >= 0 && color <= MAX_COLOR ? color : undefined;

export function validTimestamp(timestamp: string | undefined): string | undefined {
  if (timestamp === undefined) return undefined;
  const time = Date.parse(timestamp);
  return Number.isNaN(time) ? undefined : new Date(time).toISOString();
}

/** The message body in markdown; the escaped plain text when a template left `text` empty. */
export function bodyText(message: Message): string {
  if (message.text.trim() !== '') return message.text;
  return message.plain.trim() !== '' ? escapePlain(message.plain) : '';
}

function draftEmbed(message: Message, images: SortedImages, galleryCount: number, index: number, notes: FitNote[]): EmbedDraft {
  const path = (field: string) => `embeds[${index}].${field}`;
  const [first, ...rest] = images.shown;
  const gallery = rest.slice(0, galleryCount);
  const notEmbedded = rest.slice(galleryCount);
  if (notEmbedded.length > 0) {
    notes.push({ field: path('image'), dropped: notEmbedded.length, why: 'no embed left for them: linked in the description' });
  }
  if (images.unusable > 0) notes.push({ field: path('image'), dropped: images.unusable, why: 'not an http(s) URL Discord accepts' });
  const links = imageLinks(images.sensitive, notEmbedded);
  if (links.dropped > 0) notes.push({ field: path('description'), dropped: links.dropped, why: 'too many image links' });
  if (message.fields.length > MAX_EMBED_FIELDS) {
    notes.push({ field: path('fields'), dropped: message.fields.length - MAX_EMBED_FIELDS, why: `an embed holds ${MAX_EMBED_FIELDS} fields` });
  }

  const url = embeddableUrl(message.url) ?? (gallery.length > 0 ? first?.url : undefined);
  const oneLine = (text: string | undefined) => text?.replace(/\s+/g, ' ').trim() || undefined;
  const title = oneLine(message.title);
  const authorName = oneLine(message.author?.name);
  const footer = message.footer?.trim() || undefined;
  let text = bodyText(message);
  const hasOther = title || authorName || footer || first || message.fields.length > 0 || links.text;
  if (text.trim() === '' && !hasOther) text = escapePlain(message.event);

  return {
    url,
    color: validColor(message.color),
    timestamp: validTimestamp(message.timestamp),
    author: authorName
      ? {
          name: new TextSlot(path('author.name'), authorName, truncatePlain, MAX_EMBED_AUTHOR_NAME),
          url: embeddableUrl(message.author?.url),
          icon_url: embeddableUrl(message.author?.iconUrl),
        }
      : undefined,
    title: title ? new TextSlot(path('title'), title, truncateMarkdown, MAX_EMBED_TITLE) : undefined,
    description: new TextSlot(path('description'), text + links.text, (_, max) => fitWithSuffix(text, links.text, max), MAX_EMBED_DESCRIPTION),
    fields: message.fields.slice(0, MAX_EMBED_FIELDS).map((field, i) => ({
      name: new TextSlot(path(`fields[${i}].name`), field.name.trim() || BLANK, truncateMarkdown, MAX_FIELD_NAME, 1),
      value: new TextSlot(path(`fields[${i}].value`), field.value.trim() || BLANK, truncateMarkdown, MAX_FIELD_VALUE, 1),
      inline: field.inline,
    })),
    footer: footer ? new TextSlot(path('footer.text'), footer, truncatePlain, MAX_EMBED_FOOTER) : undefined,
    image: first?.url,
    gallery: gallery.map((image) => image.url),
  };
}

function toEmbeds(draft: EmbedDraft): APIEmbed[] {
  const embed: APIEmbed = {};
  if (draft.author && draft.author.name.value !== '') {
    embed.author = { name: draft.author.name.value };
    if (draft.author.url) embed.author.url = draft.author.url;
    if (draft.author.icon_url) embed.author.icon_url = draft.author.icon_url;
  }
  if (draft.title && draft.title.value !== '') embed.title = draft.title.value;
  if (draft.url) embed.url = draft.url;
  if (draft.description.value.trim() !== '') embed.description = draft.description.value;
  if (draft.fields.length > 0) {
    embed.fields = draft.fields.map((field) => ({ name: field.name.value, value: field.value.value, inline: field.inline }));
  }
  if (draft.image) embed.image = { url: draft.image };
  if (draft.footer && draft.footer.value !== '') embed.footer = { text: draft.footer.value };
  if (draft.timestamp) embed.timestamp = draft.timestamp;
  if (draft.color !== undefined) embed.color = draft.color;
  return [embed, ...draft.gallery.map((url) => ({ ...(draft.url ? { url: draft.url } : {}), image: { url } }))];
}

/**
 * One embed per message (plus gallery embeds for further images), within every Discord limit:
 * per-field lengths, 25 fields, 10 embeds, 6000 characters in all (descriptions give way first).
 */
export function composeEmbeds(messages: Message[]): ComposedEmbeds {
  if (messages.length > MAX_EMBEDS) throw new Error(`a Discord message holds ${MAX_EMBEDS} embeds, got ${messages.length} messages`);
  const notes: FitNote[] = [];
  const images = messages.map((message) => sortImages(message.images));
  const galleryCounts = shareGallerySlots(
    images.map((sorted) => Math.max(0, sorted.shown.length - 1)),
    MAX_EMBEDS - messages.length,
  );
  let index = 0;
  const drafts = messages.map((message, i) => {
    const draft = draftEmbed(message, images[i] as SortedImages, galleryCounts[i] ?? 0, index, notes);
    index += 1 + draft.gallery.length;
    return draft;
  });

  const descriptions = drafts.map((d) => d.description);
  const fieldValues = drafts.flatMap((d) => d.fields.map((f) => f.value));
  const fieldNames = drafts.flatMap((d) => d.fields.map((f) => f.name));
  const footers = drafts.flatMap((d) => (d.footer ? [d.footer] : []));
  const titles = drafts.flatMap((d) => (d.title ? [d.title] : []));
  const authors = drafts.flatMap((d) => (d.author ? [d.author.name] : []));
  const all = [...titles, ...descriptions, ...fieldNames, ...fieldValues, ...footers, ...authors];
  // descriptions give way first, but keep a third of the budget until everything else gave way too
  const descriptionFloor = Math.floor(MAX_EMBEDS_TOTAL / (3 * drafts.length));
  shrinkToFit(
    [
      { slots: descriptions, floor: descriptionFloor },
      { slots: fieldValues },
      { slots: footers },
      { slots: fieldNames },
      { slots: titles },
      { slots: authors },
      { slots: descriptions },
    ],
    () => sumLengths(all),
    MAX_EMBEDS_TOTAL,
  );
  notes.push(...shortenedNotes(all));
  return { embeds: drafts.flatMap(toEmbeds), notes };
}
