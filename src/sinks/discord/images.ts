import type { MessageImage } from '../../render/message';
import { MAX_IMAGE_LINKS } from './limits';
import { embeddableUrl, markdownLink, spoilerLink } from './links';

/** A message's images sorted by how Discord may show them. */
export interface SortedImages {
  /** not sensitive, valid URL: may be embedded */
  shown: { url: string; alt: string }[];
  /** sensitive: only ever a spoilered link */
  sensitive: MessageImage[];
  /** not http(s) or too long for Discord */
  unusable: number;
}

export function sortImages(images: MessageImage[]): SortedImages {
  const sorted: SortedImages = { shown: [], sensitive: [], unusable: 0 };
  for (const image of images) {
    const url = embeddableUrl(image.url);
    if (url === undefined) sorted.unusable++;
    else if (image.sensitive) sorted.sensitive.push({ ...image, url });
    else sorted.shown.push({ url, alt: image.alt });
  }
  return sorted;
}

/**
 * Gives each message one more gallery slot in turn until the free embeds run out, so in a digest
 * every message keeps some of its pictures. Returns how many extra images each message embeds.
 */
export function shareGallerySlots(wanted: number[], free: number): number[] {
  const given = wanted.map(() => 0);
  let left = Math.max(0, free);
  while (left > 0) {
    let gaveAny = false;
    wanted.forEach((want, i) => {
      if (left > 0 && (given[i] ?? 0) < want) {
        given[i] = (given[i] ?? 0) + 1;
        left--;
        gaveAny = true;
      }
    });
    if (!gaveAny) break;
  }
  return given;
}

/**
 * The links appended under a message's text: sensitive images behind spoilers, then images that
 * could not be embedded. Capped at MAX_IMAGE_LINKS characters, the rest counted.
 */
export function imageLinks(
  sensitive: MessageImage[],
  notEmbedded: { url: string; alt: string }[],
): { text: string; dropped: number } {
  const links = [
    ...sensitive.map((image, i) => spoilerLink(image.url, image.alt || `sensitive image ${i + 1}`)),
    ...notEmbedded.map((image, i) => markdownLink(image.url, image.alt || `image ${i + 1}`)),
  ];
  if (links.length === 0) return { text: '', dropped: 0 };
  const kept: string[] = [];
  let length = 0;
  for (const link of links) {
    // room for the separator and a "(+N more)" note
    if (length + link.length + 1 > MAX_IMAGE_LINKS - 16) break;
    kept.push(link);
    length += link.length + 1;
  }
  const dropped = links.length - kept.length;
  const more = dropped > 0 ? ` (+${dropped} more)` : '';
  return { text: kept.length > 0 || more ? `\n\n${kept.join(' ')}${more}` : '', dropped };
}
