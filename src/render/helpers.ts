import type { HelperDelegate, HelperOptions } from 'handlebars';
import Handlebars from 'handlebars';
import type { DriveFile, Note, User } from '../normalize/event';
import type { Wording } from './catalog';
import { markupFor } from './markup';
import { escapeText, renderMfm, truncateText, urlLabel, type MfmTarget } from './mfm';
import type { TemplateView } from './view';

export interface HelperSettings {
  target: MfmTarget;
  /** Slack has no spoiler: hide a CW'd body behind a link to the note, or show it under the CW line */
  slackCw: 'link' | 'reveal';
}

type Safe = Handlebars.SafeString;

/** MFM → the target's markup, with the event's server for profile and hashtag links. */
function convert(source: string, target: MfmTarget, options: HelperOptions, authorHost: string | null, max?: number): string {
  if (source === '') return '';
  const root = options.data?.root as TemplateView | undefined;
  return renderMfm(source, target, { server: root?.event.server ?? '', authorHost }, {
    maxLength: max,
    moreUrl: max !== undefined ? (root?.url ?? undefined) : undefined,
    moreLabel: max !== undefined ? wordingOf(options).text('note.more') : undefined,
  }).output;
}

/** The reader's wording, which the render call puts into `@data` (see renderFunction). */
const wordingOf = (options: HelperOptions): Wording => options.data.wording as Wording;
const safe = (markup: string): Safe => new Handlebars.SafeString(markup);

/** A helper's last argument is Handlebars' options object; the ones before are the template's. */
function split(args: unknown[]): { params: unknown[]; options: HelperOptions } {
  return { params: args.slice(0, -1), options: args[args.length - 1] as HelperOptions };
}

const text = (value: unknown): string => (value === null || value === undefined ? '' : String(value));

/** a value placed in a catalog message: a helper's markup as it is, anything else already escaped */
const shown = (value: unknown): string => (value instanceof Handlebars.SafeString ? value.toHTML() : String(value));

/** The helpers every template can use; each emits the target platform's markup. */
export function createHelpers(settings: HelperSettings): Record<string, HelperDelegate> {
  const { target } = settings;
  const markup = markupFor(target);
  const hasSpoilers = target === 'discord' || target === 'matrix';
  /** values become inert text; markup a helper already made passes as it is */
  const escape = (value: unknown) => (value instanceof Handlebars.SafeString ? value.toHTML() : escapeText(text(value), target));

  /** a helper usable as a block (wrapping its content) or inline (wrapping its escaped argument) */
  function wrapper(wrap: (inner: string) => string) {
    return function (this: unknown, ...args: unknown[]) {
      const { params, options } = split(args);
      return safe(wrap(options.fn ? options.fn(this) : escape(params[0])));
    };
  }

  /** a catalog message with the values escaped and the markup of helpers (`user=(user actor)`) kept */
  const word = (options: HelperOptions, key: string, values: Record<string, unknown> = {}): Safe => {
    const escaped: Record<string, unknown> = {};
    for (const name in values) {
      const value = values[name];
      escaped[name] = typeof value === 'string' ? escapeText(value, target) : value;
    }
    return safe(wordingOf(options).format(key, escaped, shown));
  };

  const helpers: Record<string, (this: unknown, ...args: unknown[]) => unknown> = {
    /**
     * {{t "followed.title" name=user.name}}: the reader's wording of a catalog message (ICU
     * MessageFormat); values are escaped, helpers' markup (`user=(user actor)`) kept
     */
    t(...args) {
      const { params, options } = split(args);
      return word(options, text(params[0]), options.hash as Record<string, unknown>);
    },
    /**
     * {{mfm note.text max=3000}}: note text (MFM) → platform markup; `max` caps the length, ending
     * with a link to the note; `host` is the author's host (default: the event's note author's)
     */
    mfm(...args) {
      const { params, options } = split(args);
      const root = options.data?.root as TemplateView | undefined;
      const max = typeof options.hash?.max === 'number' ? options.hash.max : undefined;
      const host = options.hash?.host === undefined ? root?.note?.user.host : (options.hash.host as string | null);
      return safe(convert(text(params[0]), target, options, host ?? null, max));
    },
    /**
     * {{content note max=3000}}: a note as people expect to see it: the CW in clear with the text
     * behind a spoiler, or the text; then its files. `max` caps the text.
     */
    content(...args) {
      const { params, options } = split(args);
      const note = params[0] as Note | null | undefined;
      if (!note) return '';
      if (note.isHidden) return safe(markup.italic(word(options, 'note.hidden').toHTML()));
      const max = typeof options.hash?.max === 'number' ? options.hash.max : undefined;
      const body = convert(note.text ?? '', target, options, note.user.host, max);
      const parts: string[] = [];
      if (note.cw !== null) {
        parts.push(`⚠️ ${markup.bold(escape(note.cw))}`);
        if (body) parts.push((helpers.spoiler!.call(this, note.cw, safe(body), { ...options, fn: undefined }) as Safe).toString());
      } else if (body) parts.push(body);
      const files = (helpers.files!.call(this, note.files, options) as Safe).toString();
      if (files) parts.push(files);
      return safe(parts.join('\n'));
    },
    /**
     * {{excerpt note.reply 200}}: a short plain preview of a note for context lines: its CW alone
     * when it has one (the hidden text never shows), else its text without markup, cut to length
     */
    excerpt(...args) {
      const { params, options } = split(args);
      const note = params[0] as Note | null | undefined;
      if (!note) return '';
      if (note.isHidden) return safe(markup.italic(word(options, 'note.hidden').toHTML()));
      if (note.cw !== null) return safe(`⚠️ ${escape(note.cw)}`);
      const length = Number(params[1]);
      const plainText = convert(note.text ?? '', 'plain', options, note.user.host);
      return safe(escape(truncateText(plainText, Number.isFinite(length) ? length : 200)));
    },
    /** any value as inert plain text */
    plain(...args) {
      return safe(escape(split(args).params[0]));
    },
    /** plain text cut at a grapheme boundary to `length` characters, with … */
    truncate(...args) {
      const { params } = split(args);
      const length = Number(params[1]);
      return safe(escape(truncateText(text(params[0]), Number.isFinite(length) ? length : 100)));
    },
    /** {{link url "label"}}: a link; without a label the URL is its own label */
    link(...args) {
      const { params } = split(args);
      const url = text(params[0]);
      return safe(markup.link(url, params.length > 1 ? text(params[1]) : urlLabel(url)));
    },
    /** {{user actor}}: bold display name and a link to the profile, shown as @acct */
    user(...args) {
      const user = split(args).params[0] as User | null | undefined;
      if (!user) return '';
      const acct = target === 'plain' ? escape(user.acct) : markup.link(user.url, user.acct);
      return safe(`${markup.bold(escape(user.name))} (${acct})`);
    },
    /** {{handle actor}}: the short @acct, linked to the profile (plain text: the @acct alone) */
    handle(...args) {
      const user = split(args).params[0] as User | null | undefined;
      if (!user) return '';
      return safe(target === 'plain' ? escape(user.acct) : markup.link(user.url, user.acct));
    },
    /** {{time note.createdAt}} absolute; {{time note.createdAt "relative"}} "2 minutes ago" where the platform can show it */
    time(...args) {
      const { params, options } = split(args);
      const value = params[0];
      const date = new Date(typeof value === 'number' ? value : text(value));
      if (Number.isNaN(date.getTime())) return '';
      const absolute = wordingOf(options).date(date);
      const unix = Math.floor(date.getTime() / 1000);
      const relative = params[1] === 'relative';
      if (target === 'discord') return safe(`<t:${unix}:${relative ? 'R' : 'f'}>`);
      if (target === 'slack') {
        const format = relative ? '{date_pretty} {time}' : '{date_short_pretty} {time}';
        return safe(`<!date^${unix}^${format}|${escapeText(absolute, 'slack')}>`);
      }
      return safe(escape(absolute));
    },
    /** {{files note.files}}: one line per file, sensitive ones behind a spoiler */
    files(...args) {
      const { params, options } = split(args);
      const files = (params[0] as DriveFile[] | null | undefined) ?? [];
      const lines = files.map((file) => {
        const label = file.comment ? `${file.name} — ${file.comment}` : file.name;
        const kind = file.isImage ? '🖼' : file.isVideo ? '🎞' : '📎';
        const linked = markup.link(file.url, label);
        if (!file.isSensitive) return `${kind} ${linked}`;
        const wording = wordingOf(options);
        return hasSpoilers ? `${kind} ${markup.spoiler(linked, wording.text('files.sensitive'))}` : `${kind} ${word(options, 'files.sensitiveMark').toHTML()} ${linked}`;
      });
      return safe(lines.join('\n'));
    },
    /** {{#spoiler note.cw}}…{{/spoiler}}: the block behind the platform's spoiler, labelled with the CW */
    spoiler(...args) {
      const { params, options } = split(args);
      const inner = options.fn ? options.fn(this) : escape(params[1]);
      const label = text(params[0]);
      // Without spoilers the text stays hidden behind a link (plain text also feeds Matrix `body`
      // and Slack notifications, which must not reveal it)
      if (!hasSpoilers && !(target === 'slack' && settings.slackCw === 'reveal')) {
        const url = (options.data?.root as TemplateView | undefined)?.url;
        return safe(url ? markup.link(url, wordingOf(options).text('note.showHidden')) : word(options, 'note.textHidden').toHTML());
      }
      return safe(markup.spoiler(inner, label));
    },
    /** {{#quote}}…{{/quote}} or {{quote value}}: a quotation */
    quote: wrapper(markup.quote),
    /** {{#strike}}…{{/strike}} or {{strike value}}: struck through (a deleted note's text) */
    strike: wrapper(markup.strike),
    bold: wrapper(markup.bold),
    italic: wrapper(markup.italic),
    eq: (...args) => split(args).params[0] === split(args).params[1],
    ne: (...args) => split(args).params[0] !== split(args).params[1],
    gt: (...args) => Number(split(args).params[0]) > Number(split(args).params[1]),
    and: (...args) => split(args).params.every(Boolean),
    or: (...args) => split(args).params.some(Boolean),
    not: (...args) => !split(args).params[0],
    /** {{default actor.name "someone"}} */
    default: (...args) => {
      const { params } = split(args);
      return params[0] === null || params[0] === undefined || params[0] === '' ? params[1] : params[0];
    },
  };
  return helpers as Record<string, HelperDelegate>;
}
