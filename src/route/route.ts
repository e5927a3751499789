import type { RouteConfig, RouteFilter } from './config';
import { eventActor, eventName, eventNote, type Event, type Note, type Visibility } from '../normalize/event';

/** Followers-only and direct notes are relayed only by routes that list them. */
export const DEFAULT_VISIBILITY: readonly Visibility[] = ['public', 'home'];

/** One delivery to make: this sink, for this route, with this template. */
export interface Match {
  route: string;
  sink: string;
  template: string;
}

export interface RouteVerdict {
  route: string;
  matched: boolean;
  /** why the route does not fire (empty when it does) */
  reasons: string[];
}

/**
 * Every matching route fires; each sink gets the event at most once (the first route naming it wins).
 */
export function route(event: Event, routes: readonly RouteConfig[]): Match[] {
  const matches: Match[] = [];
  const taken = new Set<string>();
  for (const candidate of routes) {
    if (whyNot(event, candidate).length > 0) continue;
    for (const sink of candidate.to) {
      if (taken.has(sink)) continue;
      taken.add(sink);
      matches.push({ route: candidate.name, sink, template: candidate.template ?? eventName(event) });
    }
  }
  return matches;
}

/** For `route-test`: each route with the reasons it does not fire. */
export function explain(event: Event, routes: readonly RouteConfig[]): RouteVerdict[] {
  return routes.map((candidate) => {
    const reasons = whyNot(event, candidate);
    return { route: candidate.name, matched: reasons.length === 0, reasons };
  });
}

function whyNot(event: Event, candidate: RouteConfig): string[] {
  const name = eventName(event);
  const reasons: string[] = [];
  if (candidate.sources && !candidate.sources.includes(event.source)) {
    reasons.push(`source "${event.source}" is not in [${candidate.sources.join(', ')}]`);
  }
  if (candidate.events !== '*' && !candidate.events.includes(name)) {
    reasons.push(`event "${name}" is not in [${candidate.events.join(', ')}]`);
  }
  return [...reasons, ...filterReasons(event, candidate.filter)];
}

function filterReasons(event: Event, filter: RouteFilter): string[] {
  const reasons: string[] = [];
  const note = eventNote(event);
  const actor = eventActor(event);
  const visibility = filter.visibility ?? DEFAULT_VISIBILITY;
  if (note && !visibility.includes(note.visibility)) {
    reasons.push(`note visibility "${note.visibility}" is not in [${visibility.join(', ')}]`);
  }
  const acct = actor ? normalizeAcct(actor.acct) : null;
  if (filter.users && !(acct && filter.users.some((user) => normalizeAcct(user) === acct))) {
    reasons.push(`user ${actor?.acct ?? '(none)'} is not in [${filter.users.join(', ')}]`);
  }
  if (filter.excludeUsers && acct && filter.excludeUsers.some((user) => normalizeAcct(user) === acct)) {
    reasons.push(`user ${actor!.acct} is excluded`);
  }
  if (filter.text && !(note && filter.text.test(searchableText(note)))) {
    reasons.push(`text does not match /${filter.text.source}/`);
  }
  if (filter.hasFiles !== undefined && hasFiles(note) !== filter.hasFiles) {
    reasons.push(filter.hasFiles ? 'the note has no files' : 'the note has files');
  }
  if (filter.bots === false && actor?.isBot) reasons.push(`${actor.acct} is a bot`);
  return reasons;
}

/** Hosts are case-insensitive; usernames are compared case-insensitively as Misskey does. */
function normalizeAcct(acct: string): string {
  return acct.toLowerCase();
}

/** Note text and CW, and those of a renoted note, as the route's `text` regex sees them. */
function searchableText(note: Note): string {
  const parts = [note.cw, note.text, note.renote?.cw, note.renote?.text];
  return parts.filter((part): part is string => typeof part === 'string').join('\n');
}

function hasFiles(note: Note | null): boolean {
  return note !== null && (note.files.length > 0 || (note.renote?.files.length ?? 0) > 0);
}
