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
