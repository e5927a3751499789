import { z } from 'zod';
import { EVENT_TYPES, VISIBILITIES } from '../normalize/event';
import { sinkConfig } from '../sinks/schemas';
import { byteSize, duration } from './units';

/** Event types of Misskey forks that routes may name besides Misskey's own. */
export const FORK_EVENT_TYPES = ['edited', 'noteUpdated', 'noteDeleted'] as const;
const ROUTABLE_EVENTS: readonly string[] = [...EVENT_TYPES, ...FORK_EVENT_TYPES];

const name = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9_.-]*$/, 'use letters, digits, "-", "_" and "." only');

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
    timeZone: z.string().refine(validTimeZone, 'unknown time zone (use an IANA name such as Europe/Berlin)').optional(),
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

/**
 * A Misskey webhook. With `adminToken` (and `server`), moderators act on its abuse reports from
 * chat: the token needs only the permission to resolve reports (write:admin:resolve-abuse-user-report).
 */
/** Secrets copied from an example and never replaced: `change-me`, `your-secret-here`, `xxxx`, `<secret>`… */
const PLACEHOLDER_SECRET = /^(?:(?:change|replace)[-_ ]?(?:me|this)(?:[-_ ]?too)?|(?:your|my)?[-_ ]?(?:hook[-_ ]?)?secret(?:[-_ ]?here)?|password|placeholder|example|todo|x{3,}|\*+|\.+|<[^>]*>)$/i;

function checkSecret(value: { secret: string; allowEmptySecret: boolean }, ctx: z.RefinementCtx): void {
  if (value.secret === '' && !value.allowEmptySecret) {
    ctx.addIssue({
      code: 'custom',
      path: ['secret'],
      message: 'empty: anyone who knows the URL could post events. Set a secret in Misskey and here, or write `allowEmptySecret: true` for a system webhook created without one',
    });
  }
  if (PLACEHOLDER_SECRET.test(value.secret.trim())) {
    ctx.addIssue({ code: 'custom', path: ['secret'], message: 'a placeholder, not a secret: set the webhook\'s secret, e.g. secret: "${ALICE_HOOK_SECRET}" from the environment' });
  }
}

/** https, or http to this machine (a Misskey on the same host, a test server). */
function sentOverTls(origin: string): boolean {
  const { protocol, hostname } = new URL(origin);
  return protocol === 'https:' || hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}

export const source = z
  .object({
    secret: z.string(),
    /** a system webhook created in Misskey without a secret: accept the empty one */
    allowEmptySecret: z.boolean().default(false),
    /** origin of the Misskey server, e.g. https://misskey.example: the admin API is called there, never at a host a payload names */
    server: z.url({ protocol: /^https?$/, error: 'server must be the http(s) origin of the Misskey server' }).optional(),
    adminToken: z.string().min(1).optional(),
    /**
     * acting from chat: the account's own token (reply, react, follow back, answer follow
     * requests), with only write:notes, write:reactions, write:following as the actions need
     */
    account: z.object({ token: z.string().min(1) }).strict().optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    checkSecret(value, ctx);
    if (value.server !== undefined && !sentOverTls(value.server)) {
      ctx.addIssue({ code: 'custom', path: ['server'], message: 'the admin and account tokens would cross the network in clear: use https (http only to a loopback address)' });
    }
    if (value.adminToken !== undefined && value.server === undefined) {
      ctx.addIssue({ code: 'custom', path: ['server'], message: 'adminToken needs server: the origin of the Misskey server to call' });
    }
    if (value.account !== undefined && value.server === undefined) {
      ctx.addIssue({ code: 'custom', path: ['server'], message: 'account needs server: the origin of the Misskey server to call' });
    }
  });

export const retryPolicy = z
  .object({
    maxAttempts: z.number().int().min(1).default(10),
    maxAge: duration.default(24 * 3_600_000),
    initialBackoff: duration.default(5_000),
    maxBackoff: duration.default(3 * 3_600_000),
    factor: z.number().min(1).default(3),
    /** 0.2 = each wait varies by up to ±20 % */
    jitter: z.number().min(0).max(1).default(0.2),
  })
  .strict();

/** The `delivery` block: the retry policy, and how long a send may hold its jobs. */
export const deliverySettings = retryPolicy
  .extend({
    /**
     * a leased job goes to another instance after this long without a sign of life from the one
     * sending it; renewed every third of it while the send runs
     */
    leaseTime: duration.refine((ms) => ms >= 1000, 'must be at least 1s').default(15_000),
    /** a job whose message takes longer than this to render goes to the dead letters */
    renderBudget: duration.refine((ms) => ms >= 1, 'must be at least 1ms').default(2_000),
  })
  .strict();

/** The webhook port, and what one client may hold of it (docs/operations.md, "Limits"). */
export const serverSettings = z
  .object({
    host: z.string().default('0.0.0.0'),
    port: z.coerce.number().int().min(0).max(65535).default(3000),
    bodyLimit: byteSize.default(1024 * 1024),
    /** from connecting to the end of the request's headers */
    headersTimeout: duration.refine((ms) => ms >= 100, 'must be at least 100ms').default(10_000),
    /** from the end of the headers to the end of the body */
    bodyTimeout: duration.refine((ms) => ms >= 100, 'must be at least 100ms').default(10_000),
    /** how long a kept-alive connection may idle between requests */
    keepAliveTimeout: duration.default(65_000),
    /** connections past this many are closed at once */
    maxConnections: z.number().int().min(1).default(256),
  })
  .strict();

function validTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

export const configSchema = z
  .object({
    server: serverSettings.default(serverSettings.parse({})),
    storage: z
      .discriminatedUnion('driver', [
        z
          .object({
            driver: z.literal('sqlite'),
            path: z.string().default('./data/bridge.db'),
            /** full: every commit survives power loss, at some cost in throughput */
            sync: z.enum(['normal', 'full']).default('normal'),
          })
          .strict(),
        z
          .object({
            driver: z.literal('redis'),
            url: z.string().default('redis://127.0.0.1:6379'),
            prefix: z.string().default('misskey-bridge'),
          })
          .strict(),
      ])
      .default({ driver: 'sqlite', path: './data/bridge.db', sync: 'normal' }),
    templates: z.string().default('./templates'),
    render: z
      .object({
        /** IANA zone for absolute times, e.g. Europe/Berlin */
        timeZone: z.string().refine(validTimeZone, 'unknown time zone (use an IANA name such as Europe/Berlin)').default('UTC'),
        /** BCP 47 locale for dates and numbers */
        locale: z.string().default('en'),
        /** Slack has no spoilers: `link` hides a CW'd note's text behind a link to the note, `reveal` shows it under the CW */
        slackCw: z.enum(['link', 'reveal']).default('link'),
      })
      .strict()
      .default({ timeZone: 'UTC', locale: 'en', slackCw: 'link' }),
    delivery: deliverySettings.default(deliverySettings.parse({})),
    /** the template playground: `studio` runs it alone; `serve` runs it too when enabled */
    studio: z
      .object({
        enabled: z.boolean().default(false),
        host: z.string().default('127.0.0.1'),
        port: z.coerce.number().int().min(0).max(65535).default(3001),
      })
      .strict()
      .default({ enabled: false, host: '127.0.0.1', port: 3001 }),
    /** replies in threads, edits in place: how long the bridge remembers which message it made for a note or report */
    conversations: z
      .object({ keep: duration.refine((ms) => ms >= 60_000, 'must be at least 1m').default(30 * 24 * 3_600_000) })
      .strict()
      .default({ keep: 30 * 24 * 3_600_000 }),
    sources: z.record(name, source).refine((s) => Object.keys(s).length > 0, {
      message: 'define at least one source',
    }),
    sinks: z.record(name, sinkConfig),
    routes: z.array(route),
    /** quiet hours for every route that sets none of its own */
    quiet: quietHours.optional(),
  })
  .strict();

export type Config = z.infer<typeof configSchema>;
export type RouteConfig = z.infer<typeof route>;
export type RouteFilter = z.infer<typeof routeFilter>;
export type ServerSettings = z.infer<typeof serverSettings>;
export type RetryPolicy = z.infer<typeof retryPolicy>;
export type GroupSettings = z.infer<typeof groupSettings>;
export type QuietHours = z.infer<typeof quietHours>;
