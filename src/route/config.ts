import { z } from 'zod';
import { EVENT_TYPES, VISIBILITIES } from '../normalize/event';
import { duration, name, timeZoneName } from '../shared/fields';

/** The `routes:` and `quiet:` sections of the config: which events go where, grouped or held. */

/** Event types of Misskey forks that routes may name besides Misskey's own. */
export const FORK_EVENT_TYPES = ['edited', 'noteUpdated', 'noteDeleted'] as const;
const ROUTABLE_EVENTS: readonly string[] = [...EVENT_TYPES, ...FORK_EVENT_TYPES];

const eventName = z.string().refine((value) => value === '*' || ROUTABLE_EVENTS.includes(value), {
  error: (issue) => `unknown event "${String(issue.input)}" (known: ${ROUTABLE_EVENTS.join(', ')}, or "*")`,
});

/** One representation: `"*"` for every event, else the listed types without repeats. */
function everyEvent(events: '*' | string[]): '*' | string[] {
  if (events === '*' || events.includes('*')) return '*';
  return [...new Set(events)];
}

/** `(?i)` at the start makes the pattern case-insensitive, as in the Go/RE2 syntax operators know. */
const regex = z.string().transform((pattern, ctx) => {
  const insensitive = pattern.startsWith('(?i)');
  try {
    return new RegExp(insensitive ? pattern.slice(4) : pattern, insensitive ? 'iu' : 'u');
  } catch (error) {
    ctx.addIssue({ code: 'custom', message: `invalid regular expression: ${(error as Error).message}` });
    return z.NEVER;
  }
});

const acct = z.string().regex(/^@[^@\s]+(@[^@\s]+)?$/, 'write users as "@name" or "@name@host"');

export const routeFilter = z
  .object({
    visibility: z.array(z.enum(VISIBILITIES as [string, ...string[]])).optional(),
    users: z.array(acct).optional(),
    excludeUsers: z.array(acct).optional(),
    text: regex.optional(),
    hasFiles: z.boolean().optional(),
    bots: z.boolean().optional(),
  })
  .strict();

/** A wall-clock time, `HH:MM` (24 h). */
const clockTime = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'write times as "HH:MM" (24 h), e.g. "22:00"');

/** Alertmanager-style grouping: the first event of a group waits `wait`, later ones are summarized at most every `interval`. */
export const groupSettings = z
  .object({
    /** what makes two events one group (besides the route and the sink) */
    by: z.array(z.enum(['type', 'source', 'actor'])).default(['type', 'source']),
    wait: duration.default(30_000),
    interval: duration.default(600_000),
    /** the event types grouped; default: all but mentions and replies, which go out at once */
    events: z.union([z.literal('*'), z.array(eventName).min(1)]).transform(everyEvent).optional(),
  })
  .strict();

/** Quiet hours: events wait inside the window and go out as one summary when it ends. */
export const quietHours = z
  .object({
    from: clockTime,
    to: clockTime,
    /** IANA zone the times are in; default `render.timeZone` */
    timeZone: timeZoneName.optional(),
  })
  .strict()
  .refine((quiet) => quiet.from !== quiet.to, { message: '"from" and "to" must differ', path: ['to'] });

export const route = z
  .object({
    name,
    sources: z.array(z.string()).min(1).optional(),
    /** `"*"` bare or anywhere in the list means every event: parsed to the bare `"*"`, so matching knows one form only */
    events: z.union([z.literal('*'), z.array(eventName).min(1)]).transform(everyEvent),
    filter: routeFilter.default({}),
    to: z.array(z.string()).min(1),
    template: name.optional(),
    group: groupSettings.optional(),
    /** quiet hours of this route; `false` turns the top-level default off for it */
    quiet: z.union([quietHours, z.literal(false)]).optional(),
    /** quiet hours never hold this route's events (abuse reports, say) */
    urgent: z.boolean().optional(),
  })
  .strict();

export type RouteConfig = z.infer<typeof route>;
export type RouteFilter = z.infer<typeof routeFilter>;
export type GroupSettings = z.infer<typeof groupSettings>;
export type QuietHours = z.infer<typeof quietHours>;
