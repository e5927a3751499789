import { z } from 'zod';

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function validLocale(locale: string): boolean {
  try {
    return Intl.getCanonicalLocales(locale).length === 1;
  } catch {
    return false;
  }
}

/** An IANA time zone, e.g. Asia/Tokyo. */
export const timeZoneName = z.string().refine(validTimeZone, 'unknown time zone (use an IANA name such as Asia/Tokyo)');

/** A BCP 47 locale, e.g. `ja` or `en-GB`: the catalog of its language words the messages, and dates follow it. */
export const localeName = z.string().refine(validLocale, 'not a BCP 47 locale (write e.g. "en", "ja" or "en-GB")');

/** Whom messages are for: the words and dates of `locale`, the clock of `timeZone`. */
export interface ReaderSettings {
  locale: string;
  timeZone: string;
}

interface Readable {
  locale?: string;
  timezone?: string;
  render: { locale: string; timeZone: string };
  sinks: Record<string, { locale?: string; timezone?: string }>;
}

/**
 * A sink's reader: its own `locale` and `timezone`, else the top-level ones, else the older
 * `render.locale` and `render.timeZone` (which default to `en` and UTC). Without a sink: the
 * bridge's default reader.
 */
export function readerOf(config: Readable, sink?: string): ReaderSettings {
  const own = sink === undefined ? undefined : config.sinks[sink];
  return {
    locale: own?.locale ?? config.locale ?? config.render.locale,
    timeZone: own?.timezone ?? config.timezone ?? config.render.timeZone,
  };
}

/** `render` with the default reader resolved: what the templates are loaded with. */
export function renderSettings<C extends Readable>(config: C): C['render'] & ReaderSettings {
  return { ...config.render, ...readerOf(config) };
}
