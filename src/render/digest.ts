import { eventActor, eventName, type Event, type Note, type User } from '../normalize/event';
import type { Reader, Wording } from './catalog';
import type { Message, Platform } from './message';
import { DEFAULT_COLOR, EVENT_COLORS, messageWords } from './render';
import { TemplateError, type TemplateSet } from './templates';
import { buildView, type TemplateView } from './view';

/** The template that words a summary of several events. */
export const DIGEST_TEMPLATE = 'digest';
/** …and the one for reactions to one note, when there is one (else `digest`) */
export const REACTIONS_TEMPLATE = 'reactions';

/** Events and actors a summary lists by name at most; the rest are counted ("… and 9 more"). */
export const DIGEST_SHOWN = 10;

/**
 * Longest summary text (and plain text) aimed at, under every platform's limit (Discord's embed
 * description is 4096, Slack's notification text should stay under 4000): when long names or
 * notes would make it longer, fewer are listed by name. The sinks still cut anything longer.
 */
export const DIGEST_TEXT_BUDGET = 4000;

/** how many to list by name, from the most to none, until the summary fits the budget */
const SHOWN_STEPS = [DIGEST_SHOWN, 5, 3, 1, 0];


/** What the `digest` template sees (documented in docs/templates.md). */
export interface DigestView {
  /** `group`: a route's grouping; `quiet`: held during quiet hours */
  kind: 'group' | 'quiet';
  count: number;
  /** the event type all the events share, or null when they differ */
  type: string | null;
  /** each type with its count and label ("12 new followers", catalog key `digest.count`), most frequent first */
  types: { type: string; count: number; label: string }[];
  /** "12 new followers", or "15 events (12 new followers, 3 mentions)" */
  headline: string;
  /** the first event's `event` block (host, server, source…), as in every template */
  event: TemplateView['event'];
  /** every event, oldest first, each as a single-event template sees it */
  events: TemplateView[];
  /** the first DIGEST_SHOWN events (fewer when long ones would not fit the platforms' limits) */
  shown: TemplateView[];
  /** events not in `shown` */
  more: number;
  /** the events that carry a note (notes, replies, mentions, renotes…) */
  notes: TemplateView[];
  /** the first DIGEST_SHOWN of `notes` */
  shownNotes: TemplateView[];
  /** notes not in `shownNotes` */
  moreNotes: number;
  /** who did it, each once, in order of first appearance */
  actors: User[];
  /** the first DIGEST_SHOWN actors */
  shownActors: User[];
  /** actors not in `shownActors` */
  moreActors: number;
  /** ISO times of the first and the last event */
  since: string;
  until: string;
  url: null;
  /** every event is a reaction to this one note: what the note has got, for the `reactions` template */
  reactions: ReactionTally | null;
}

export interface ReactionTally {
  note: Note;
  /** each reaction with its count, most first: the note's own counts when it carries them, else the events' */
  counts: { reaction: string; count: number }[];
  /** all reactions the note has got */
  total: number;
  /** "❤️ 3 · 🎉 1" */
  label: string;
}

/** The tally of reactions to one note, from the newest event's note (Misskey's counts at that moment). */
export function reactionTally(events: Event[]): ReactionTally | null {
  const notes = events.map((event) => (event.type === 'reaction' ? event.note : null));
  const newest = notes.at(-1);
  if (!newest || notes.some((note) => note?.id !== newest.id)) return null;
  const counted = new Map<string, number>(Object.entries(newest.reactions));
  if (counted.size === 0) {
    for (const event of events) if (event.type === 'reaction' && event.reaction) counted.set(event.reaction, (counted.get(event.reaction) ?? 0) + 1);
  }
  const counts = [...counted].map(([reaction, count]) => ({ reaction, count })).sort((a, b) => b.count - a.count);
  const total = counts.reduce((sum, entry) => sum + entry.count, 0);
  return { note: newest, counts, total, label: counts.map((entry) => `${entry.reaction} ${entry.count}`).join(' · ') };
}

export function buildDigestView(events: Event[], kind: DigestView['kind'], wording: Wording, shown = DIGEST_SHOWN): DigestView {
  const views = events.map(buildView);
  const counts = new Map<string, number>();
  for (const event of events) counts.set(eventName(event), (counts.get(eventName(event)) ?? 0) + 1);
  const types = [...counts]
    .sort((a, b) => b[1] - a[1])
    .map(([type, count]) => ({ type, count, label: wording.text('digest.count', { type, count }) }));
  const actors = new Map<string, User>();
  for (const event of events) {
    const actor = eventActor(event);
    if (actor && !actors.has(actor.acct.toLowerCase())) actors.set(actor.acct.toLowerCase(), actor);
  }
  const everyActor = [...actors.values()];
  const notes = views.filter((view) => view.note !== null);
  const list = types.map((entry) => entry.label).join(wording.text('digest.separator'));
  const headline = types.length === 1 ? types[0]!.label : wording.text('digest.mixed', { count: events.length, list });
  const times = views.map((view) => view.event.createdAt).sort();
  return {
    kind,
    count: events.length,
    type: types.length === 1 ? types[0]!.type : null,
    types,
    headline,
    event: views[0]!.event,
    events: views,
    shown: views.slice(0, shown),
    more: Math.max(0, views.length - shown),
    notes,
    shownNotes: notes.slice(0, shown),
    moreNotes: Math.max(0, notes.length - shown),
    actors: everyActor,
    shownActors: everyActor.slice(0, shown),
    moreActors: Math.max(0, everyActor.length - shown),
    since: times[0]!,
    until: times[times.length - 1]!,
    url: null,
    reactions: reactionTally(events),
  };
}

/** Words several events as one message with the `digest` template, in the reader's words. */
export function renderDigest(events: Event[], kind: DigestView['kind'], platform: Platform, templates: TemplateSet, reader?: Reader): Message {
  if (events.length === 0) throw new TemplateError('a summary needs at least one event');
  const reactions = reactionTally(events) ? templates.get(REACTIONS_TEMPLATE, platform) : undefined;
  const template = reactions ?? templates.get(DIGEST_TEMPLATE, platform);
  if (!template) throw new TemplateError(`no template "${DIGEST_TEMPLATE}" for ${platform}`);
  const wording = templates.wording(reader);
  let digest!: DigestView;
  let text = '';
  let plain = '';
  for (const shown of SHOWN_STEPS) {
    digest = buildDigestView(events, kind, wording, shown);
    // the helpers read the root view's `event`, `url` and `note`, which a digest view has (or lacks) alike
    text = template.text(digest as unknown as TemplateView, wording);
    plain = template.plain(digest as unknown as TemplateView, wording);
    if (text.length <= DIGEST_TEXT_BUDGET && plain.length <= DIGEST_TEXT_BUDGET) break;
  }
  const view = digest as unknown as TemplateView;
  return {
    event: reactions ? 'reaction' : DIGEST_TEMPLATE,
    text,
    plain,
    title: template.title?.(view, wording) || undefined,
    footer: template.footer?.(view, wording) || undefined,
    color: template.color ?? (digest.type ? EVENT_COLORS[digest.type] : undefined) ?? DEFAULT_COLOR,
    timestamp: digest.until,
    images: [],
    fields: [],
    words: messageWords(wording, digest.until),
  };
}
