import type { HelperDelegate, HelperOptions } from 'handlebars';
import Handlebars from 'handlebars';
import type { DriveFile, Note, User } from '../normalize/event';
import { markupFor } from './markup';
import { escapeText, renderMfm, truncateText, urlLabel, type MfmTarget } from './mfm';
import type { TemplateView } from './view';

export interface HelperSettings {
  target: MfmTarget;
  /** IANA time zone for absolute times */
  timeZone: string;
  locale: string;
  /** Slack has no spoiler: hide a CW'd body behind a link to the note, or show it under the CW line */
  slackCw: 'link' | 'reveal';
}

type Safe = Handlebars.SafeString;

const HIDDEN_NOTE = '(this note is not visible to you)';

/** MFM → the target's markup, with the event's server for profile and hashtag links. */
function convert(source: string, target: MfmTarget, root: TemplateView | undefined, authorHost: string | null, max?: number): string {
  if (source === '') return '';
  return renderMfm(source, target, { server: root?.event.server ?? '', authorHost }, {
    maxLength: max,
    moreUrl: max !== undefined ? (root?.url ?? undefined) : undefined,
  }).output;
}
const safe = (markup: string): Safe => new Handlebars.SafeString(markup);

/** A helper's last argument is Handlebars' options object; the ones before are the template's. */
function split(args: unknown[]): { params: unknown[]; options: HelperOptions } {
  return { params: args.slice(0, -1), options: args[args.length - 1] as HelperOptions };
}

const text = (value: unknown): string => (value === null || value === undefined ? '' : String(value));

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

  // made on first use: the first one of a process loads ICU's locale data (tens of ms of start-up)
  let dateFormat: Intl.DateTimeFormat | undefined;
  const formatDate = (date: Date) =>
    (dateFormat ??= new Intl.DateTimeFormat(settings.locale, { dateStyle: 'medium', timeStyle: 'short', timeZone: settings.timeZone })).format(date);

  const helpers: Record<string, (this: unknown, ...args: unknown[]) => unknown> = {
    /**
     * {{mfm note.text max=3000}}: note text (MFM) → platform markup; `max` caps the length, ending
     * with a link to the note; `host` is the author's host (default: the event's note author's)
     */
    mfm(...args) {
      const { params, options } = split(args);
      const root = options.data?.root as TemplateView | undefined;
      const max = typeof options.hash?.max === 'number' ? options.hash.max : undefined;
      const host = options.hash?.host === undefined ? root?.note?.user.host : (options.hash.host as string | null);
      return safe(convert(text(params[0]), target, root, host ?? null, max));
    },
    /**
     * {{content note max=3000}}: a note as people expect to see it: the CW in clear with the text
     * behind a spoiler, or the text; then its files. `max` caps the text.
     */
    content(...args) {
      const { params, options } = split(args);
      const note = params[0] as Note | null | undefined;
      if (!note) return '';
      if (note.isHidden) return safe(markup.italic(escape(HIDDEN_NOTE)));
      const max = typeof options.hash?.max === 'number' ? options.hash.max : undefined;
      const body = convert(note.text ?? '', target, options.data?.root as TemplateView | undefined, note.user.host, max);
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
      if (note.isHidden) return safe(markup.italic(escape(HIDDEN_NOTE)));
      if (note.cw !== null) return safe(`⚠️ ${escape(note.cw)}`);
      const length = Number(params[1]);
      const plainText = convert(note.text ?? '', 'plain', options.data?.root as TemplateView | undefined, note.user.host);
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
      const { params } = split(args);
      const value = params[0];
      const date = new Date(typeof value === 'number' ? value : text(value));
      if (Number.isNaN(date.getTime())) return '';
      const absolute = formatDate(date);
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
      const files = (split(args).params[0] as DriveFile[] | null | undefined) ?? [];
      const lines = files.map((file) => {
        const label = file.comment ? `${file.name} — ${file.comment}` : file.name;
        const kind = file.isImage ? '🖼' : file.isVideo ? '🎞' : '📎';
        const linked = markup.link(file.url, label);
        if (!file.isSensitive) return `${kind} ${linked}`;
        return hasSpoilers ? `${kind} ${markup.spoiler(linked, 'sensitive')}` : `${kind} (sensitive) ${linked}`;
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
        return safe(url ? markup.link(url, 'show the hidden text') : escape('(text hidden)'));
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
