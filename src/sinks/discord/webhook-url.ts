/**
 * Webhook URLs are parsed here rather than by discord.js: its `{ url }` form only accepts
 * discord.com hosts and cuts tokens to 68 characters, and the API base must come from the URL's
 * own origin so Discord-compatible servers (and the test fake) work.
 */

export interface WebhookUrlParts {
  /** `<origin>[/prefix]/api`, what discord.js calls `rest.api` */
  apiBase: string;
  id: string;
  token: string;
  /** `?thread_id=` copied along with the URL, if any */
  threadId?: string;
}

export const SNOWFLAKE = /^\d{17,20}$/;

const WEBHOOK_PATH = /^(.*?)\/api(?:\/v\d+)?\/webhooks\/(\d{17,20})\/([A-Za-z0-9_-]+)\/?$/;

/** Why the URL is not a webhook URL, or undefined when it is. Never repeats the URL (it holds the token). */
export function webhookUrlProblem(raw: string): string | undefined {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'is not a URL; copy it from Discord: channel settings → Integrations → Webhooks → Copy Webhook URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') return 'must start with https://';
  if (/\/(slack|github)\/?$/.test(url.pathname)) {
    return 'ends in /slack or /github: use the plain webhook URL';
  }
  if (!WEBHOOK_PATH.test(url.pathname)) {
    return 'must look like https://discord.com/api/webhooks/<id>/<token>';
  }
  const threadId = url.searchParams.get('thread_id');
  if (threadId !== null && !SNOWFLAKE.test(threadId)) return 'has a thread_id that is not a Discord id';
  return undefined;
}

export function parseWebhookUrl(raw: string): WebhookUrlParts | undefined {
  if (webhookUrlProblem(raw) !== undefined) return undefined;
  const url = new URL(raw);
  const match = WEBHOOK_PATH.exec(url.pathname);
  if (!match) return undefined;
  const [, prefix = '', id = '', token = ''] = match;
  const threadId = url.searchParams.get('thread_id') ?? undefined;
  return { apiBase: `${url.origin}${prefix}/api`, id, token, ...(threadId ? { threadId } : {}) };
}

/**
 * The `rest.api` value for an `apiBase` setting: `https://host` and `https://host/api/v10` both
 * become `https://host/api`; a path not ending in /api is kept and /api appended.
 */
export function normalizeApiBase(raw: string): string {
  const url = new URL(raw);
  let path = url.pathname.replace(/\/+$/, '').replace(/\/v\d+$/, '');
  if (!path.endsWith('/api')) path = `${path}/api`;
  return `${url.origin}${path}`;
}
