/**
 * Warnings about routes that can never match and events that no route takes. Nothing here is an
 * error: the config works, but some events would be dropped without anyone having asked for it.
 * Pure functions of the config, for `check`.
 */
import type { RouteConfig } from './config';
import { SYSTEM_EVENT_TYPES, USER_EVENT_TYPES } from '../normalize/event';

/** Declared by Misskey (model, API, settings page) but never enqueued by it. */
export const DECLARED_NOT_SENT: readonly string[] = ['reaction'];

/** What Misskey really sends, per kind of webhook. */
export const SENT_USER_EVENTS: readonly string[] = USER_EVENT_TYPES.filter((type) => !DECLARED_NOT_SENT.includes(type));
export const SENT_SYSTEM_EVENTS: readonly string[] = SYSTEM_EVENT_TYPES;
const SENT_EVENTS: readonly string[] = [...SENT_USER_EVENTS, ...SENT_SYSTEM_EVENTS];

/** Events that always carry a note. */
const NOTE_EVENTS: readonly string[] = ['note', 'reply', 'renote', 'mention'];
/** Events that never carry a note (`reaction` and fork types may). */
const NOTELESS_EVENTS: readonly string[] = ['follow', 'followed', 'unfollow', ...SYSTEM_EVENT_TYPES];
/** Events with nobody acting: `filter.users` can never match them. */
const ACTORLESS_EVENTS: readonly string[] = ['inactiveModeratorsWarning', 'inactiveModeratorsInvitationOnlyChanged'];

type Kind = 'user' | 'system';

function kindOf(type: string): Kind | null {
  if ((USER_EVENT_TYPES as readonly string[]).includes(type)) return 'user';
  if ((SYSTEM_EVENT_TYPES as readonly string[]).includes(type)) return 'system';
  return null;
}

/** Why a route drops every event of some types whatever their content, worded for those types. */
interface Drop {
  /** the filter (or fact) responsible; one warning part per key */
  key: string;
  explain: (types: string[]) => string;
}

const plural = (types: string[], one: string, many: string) => (types.length === 1 ? one : many);

const NOT_SENT: Drop = {
  key: 'not-sent',
  explain: (types) => `${types.join(', ')} ${plural(types, 'is', 'are')} declared by Misskey but not sent today`,
};
const TEXT_WITHOUT_NOTE: Drop = {
  key: 'text',
  explain: (types) => `filter.text needs a note, and ${types.join(', ')} ${plural(types, 'carries', 'carry')} none`,
};
const FILES_WITHOUT_NOTE: Drop = {
  key: 'hasFiles',
  explain: (types) => `filter.hasFiles: true needs a note, and ${types.join(', ')} ${plural(types, 'carries', 'carry')} none`,
};
const NO_VISIBILITY: Drop = {
  key: 'visibility',
  explain: (types) => `filter.visibility is [], so no note passes (${types.join(', ')})`,
};
const USERS_WITHOUT_ACTOR: Drop = {
  key: 'users',
  explain: (types) => `filter.users needs a user who acted, and ${types.join(', ')} ${plural(types, 'has', 'have')} none`,
};
const USERS_ALL_EXCLUDED: Drop = {
  key: 'excludeUsers',
  explain: () => 'every user in filter.users is also in filter.excludeUsers',
};

/** The reasons `candidate` can never pass an event of `type`, whatever it contains. */
function drops(candidate: RouteConfig, type: string): Drop[] {
  const { filter } = candidate;
  if (filter.users && filter.excludeUsers) {
    const excluded = new Set(filter.excludeUsers.map((user) => user.toLowerCase()));
    // nothing passes: other reasons would only add noise
    if (filter.users.every((user) => excluded.has(user.toLowerCase()))) return [USERS_ALL_EXCLUDED];
  }
  const found: Drop[] = [];
  if (DECLARED_NOT_SENT.includes(type)) found.push(NOT_SENT);
  if (filter.text && NOTELESS_EVENTS.includes(type)) found.push(TEXT_WITHOUT_NOTE);
  if (filter.hasFiles === true && NOTELESS_EVENTS.includes(type)) found.push(FILES_WITHOUT_NOTE);
  if (filter.visibility?.length === 0 && NOTE_EVENTS.includes(type)) found.push(NO_VISIBILITY);
  if (filter.users && ACTORLESS_EVENTS.includes(type)) found.push(USERS_WITHOUT_ACTOR);
  return found;
}

/** Whether the route can take some events of `type` from `source`. */
function takes(candidate: RouteConfig, source: string, type: string): boolean {
  if (candidate.sources && !candidate.sources.includes(source)) return false;
  if (candidate.events !== '*' && !candidate.events.includes(type)) return false;
  return drops(candidate, type).length === 0;
}

/**
 * Routes that never match, or never match some of the types they list. A `"*"` route is judged
 * on the events Misskey sends; of its partial drops only an empty `visibility` is reported, since
 * `"*"` with a text filter is the usual way to say "every note that mentions…".
 */
export function lintRoute(candidate: RouteConfig): string[] {
  const all = candidate.events === '*';
  const types = all ? SENT_EVENTS : (candidate.events as readonly string[]);
  const byDrop = new Map<string, { drop: Drop; types: string[] }>();
  const dropped = new Set<string>();
  for (const type of types) {
    for (const drop of drops(candidate, type)) {
      const entry = byDrop.get(drop.key) ?? { drop, types: [] };
      entry.types.push(type);
      byDrop.set(drop.key, entry);
      dropped.add(type);
    }
  }
  const parts = [...byDrop.values()];
  if (parts.length === 0) return [];
  const name = `route "${candidate.name}"`;
  if (dropped.size === types.length) return [`${name} never matches: ${parts.map((part) => part.drop.explain(part.types)).join('; ')}`];
  return parts
    .filter((part) => !all || part.drop === NO_VISIBILITY)
    .map((part) => `${name} partly never matches: ${part.drop.explain(part.types)}`);
}

/**
 * A Misskey webhook is a user webhook or a system webhook, never both. A source whose own routes
 * (those naming it in `sources`) expect both kinds has routes that never see their events.
 */
export function lintSourceKinds(source: string, routes: readonly RouteConfig[]): string[] {
  const expected: Record<Kind, Set<string>> = { user: new Set(), system: new Set() };
  for (const candidate of routes) {
    if (!candidate.sources?.includes(source) || candidate.events === '*') continue;
    const kinds = new Set(candidate.events.map(kindOf).filter((kind) => kind !== null));
    // a route shared by several sources may well list both kinds: one for each source
    if (kinds.size > 1 && candidate.sources.length > 1) continue;
    for (const type of candidate.events) {
      const kind = kindOf(type);
      if (kind) expected[kind].add(type);
    }
  }
  if (expected.user.size === 0 || expected.system.size === 0) return [];
  return [
    `source "${source}": its routes take user events (${[...expected.user].join(', ')}) and system events (${[...expected.system].join(', ')}); ` +
      'a Misskey webhook sends one kind only, so some of these routes never match unless two webhooks post to this source',
  ];
}

/**
 * Event types Misskey sends that no route takes from this source. The source's kind is read from
 * the routes it has: one taking only user events is a user webhook and is not asked about system
 * events, and the other way round.
 */
export function lintSourceGaps(source: string, routes: readonly RouteConfig[]): string[] {
  const taken = SENT_EVENTS.filter((type) => routes.some((candidate) => takes(candidate, source, type)));
  const kinds = new Set(taken.map(kindOf));
  if (kinds.size === 0) return [`source "${source}": no route takes any event from it`];
  const expected = [...(kinds.has('user') ? SENT_USER_EVENTS : []), ...(kinds.has('system') ? SENT_SYSTEM_EVENTS : [])];
  const missing = expected.filter((type) => !taken.includes(type));
  return missing.length === 0 ? [] : [`source "${source}": no route takes ${missing.join(', ')}`];
}

/** Every warning for a config: routes first (in file order), then sources. */
export function lintRoutes(config: { sources: Record<string, unknown>; routes: readonly RouteConfig[] }): string[] {
  const sources = Object.keys(config.sources);
  return [
    ...config.routes.flatMap(lintRoute),
    ...sources.flatMap((source) => [...lintSourceKinds(source, config.routes), ...lintSourceGaps(source, config.routes)]),
  ];
}
