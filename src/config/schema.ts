import { z } from 'zod';
import { deliverySettings } from '../deliver/policy';
import { serverSettings } from '../receive/settings';
import { quietHours, route } from '../route/config';
import { duration, localeName, name, timeZoneName } from '../shared/fields';
import { sinkConfig } from '../sinks/schemas';

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

/** A Misskey account read through the streaming API: nothing to expose, the bridge connects out. */
export const streamSettings = z
  .object({
    /** origin of the Misskey server, e.g. https://misskey.example */
    server: z.url({ protocol: /^https?$/, error: 'server must be the http(s) origin of the Misskey server' }),
    /** an access token with read:account and read:notifications (`misskey-bridge login`), from the environment */
    token: z.string().min(1),
    /** read chat messages too (the token then needs read:chat) */
    chat: z.boolean().default(false),
    /** how often the token is checked: Misskey keeps a socket open after its token was revoked */
    tokenCheck: duration.refine((ms) => ms >= 100, 'must be at least 100ms').default(60_000),
    /** a socket with no frame, ping or pong for this long is replaced */
    silentAfter: duration.refine((ms) => ms >= 100, 'must be at least 100ms').default(90_000),
    initialBackoff: duration.default(1_000),
    maxBackoff: duration.default(300_000),
    /** how long a rejected token waits before it is tried again */
    rejectedRetry: duration.default(300_000),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (!sentOverTls(value.server)) ctx.addIssue({ code: 'custom', path: ['server'], message: 'the token would cross the network in clear: use https (http only to a loopback address)' });
  });

export const source = z
  .object({
    /** the webhook's secret; a source with only `stream` takes no webhooks */
    secret: z.string().optional(),
    /** a system webhook created in Misskey without a secret: accept the empty one */
    allowEmptySecret: z.boolean().default(false),
    /** origin of the Misskey server, e.g. https://misskey.example: the admin API is called there, never at a host a payload names */
    server: z.url({ protocol: /^https?$/, error: 'server must be the http(s) origin of the Misskey server' }).optional(),
    adminToken: z.string().min(1).optional(),
    stream: streamSettings.optional(),
    /**
     * acting from chat: the account's own token (reply, react, follow back, answer follow
     * requests), with only write:notes, write:reactions, write:following as the actions need
     */
    account: z.object({ token: z.string().min(1) }).strict().optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (value.secret === undefined && value.stream === undefined) {
      ctx.addIssue({ code: 'custom', path: ['secret'], message: 'a source needs a webhook secret, or `stream: { server, token }` to read the account through the streaming API' });
    }
    if (value.secret !== undefined) checkSecret({ secret: value.secret, allowEmptySecret: value.allowEmptySecret }, ctx);
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

/** A local web page the bridge serves: off by default, on localhost unless told otherwise. */
const localPage = (port: number) =>
  z
    .object({
      enabled: z.boolean().default(false),
      host: z.string().default('127.0.0.1'),
      port: z.coerce.number().int().min(0).max(65535).default(port),
    })
    .strict()
    .default({ enabled: false, host: '127.0.0.1', port });

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
    /** the language of the messages (and their dates) for every sink that sets none; default `render.locale`, else `en` */
    locale: localeName.optional(),
    /** IANA zone of the times in messages and of quiet hours; default `render.timeZone`, else UTC */
    timezone: timeZoneName.optional(),
    render: z
      .object({
        /** older name of the top-level `timezone`, which wins when both are set */
        timeZone: timeZoneName.default('UTC'),
        /** older name of the top-level `locale`, which wins when both are set */
        locale: localeName.default('en'),
        /** Slack has no spoilers: `link` hides a CW'd note's text behind a link to the note, `reveal` shows it under the CW */
        slackCw: z.enum(['link', 'reveal']).default('link'),
      })
      .strict()
      .default({ timeZone: 'UTC', locale: 'en', slackCw: 'link' }),
    delivery: deliverySettings.default(deliverySettings.parse({})),
    /** the template playground: `studio` runs it alone; `serve` runs it too when enabled */
    studio: localPage(3001),
    /** the operations page: a live view of sources, sinks, dead letters and instances, with the buttons `sink` and `dlq` offer */
    ops: localPage(3002),
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
export type StreamSourceConfig = z.infer<typeof streamSettings>;
