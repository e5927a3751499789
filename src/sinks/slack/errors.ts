import { ErrorCode, type WebAPICallError } from '@slack/web-api';
import { parseRetryAfter, verdictForNetworkError, verdictForStatus } from '../http-verdict';
import { delivered, failed, retry, type Verdict } from '../../deliver/sink';

/** What an operator message needs to name: the config keys and the destination. */
export interface SlackContext {
  /** the sink's name in the config (`sinks.<name>`) */
  sink: string;
  /** the channel as configured (`#alerts` or an id) */
  channel: string;
  /** the bot's user name once `auth.test` told it */
  botUser?: string;
}

/** Web API error codes that clear up by themselves (platforms.md §4). */
const TRANSIENT = new Set(['internal_error', 'fatal_error', 'service_unavailable', 'request_timeout']);
const RATE_LIMITED = new Set(['ratelimited', 'rate_limited']);
/** what Slack's own error codes look like (`channel_not_found`, `invalid_blocks` …) */
const SLACK_ERROR_CODE = /^[a-z][a-z0-9_.]*$/;

/** Error codes meaning the sink itself is misconfigured, with what the operator should do. */
function brokenAdvice(code: string, data: { needed?: unknown }, ctx: SlackContext): string | undefined {
  const token = `sinks.${ctx.sink}.token`;
  const channel = ctx.channel;
  const invite = `/invite @${ctx.botUser ?? '<your app>'}`;
  switch (code) {
    case 'not_authed':
    case 'invalid_auth':
      return `Slack rejected the token (${code}): check ${token}; it must be the app's Bot User OAuth Token (xoxb-…)`;
    case 'account_inactive':
    case 'token_revoked':
    case 'token_expired':
      return `the Slack token no longer works (${code}): the app was uninstalled or its token revoked; reinstall the app and update ${token}`;
    case 'channel_not_found':
      return `Slack channel ${channel} was not found (channel_not_found): check sinks.${ctx.sink}.channel; for a private channel, invite the bot first (${invite})`;
    case 'not_in_channel':
      return `the bot is not a member of Slack channel ${channel} (not_in_channel): invite it there with ${invite}`;
    case 'is_archived':
      return `Slack channel ${channel} is archived (is_archived): unarchive it or point sinks.${ctx.sink}.channel at another channel`;
    case 'missing_scope': {
      const needed = typeof data.needed === 'string' ? data.needed : 'chat:write';
      return `the Slack token lacks the scope ${needed} (missing_scope): add it under OAuth & Permissions, reinstall the app and update ${token}`;
    }
    case 'ekm_access_denied':
      return `Slack Enterprise Key Management denied access (ekm_access_denied): ask the workspace admin to restore it`;
    default:
      if (code.startsWith('restricted_action')) {
        return `the workspace does not let the app post in ${channel} (${code}): ask a Slack admin to allow it`;
      }
      return undefined;
  }
}

/** The verdict for a `chat.postMessage` (or start-up call) that threw. */
export function verdictForWebApiError(error: unknown, ctx: SlackContext): Verdict {
  const coded = error as Partial<WebAPICallError>;
  switch (coded.code) {
    case ErrorCode.RateLimitedError: {
      const seconds = (error as { retryAfter: number }).retryAfter;
      return retry(`Slack rate limit (429): retry after ${seconds} s`, seconds * 1000, true);
    }
    case ErrorCode.HTTPError: {
      const { statusCode, headers } = error as { statusCode: number; headers: Record<string, string> };
      return verdictForStatus(statusCode, `Slack answered HTTP ${statusCode}`, parseRetryAfter(headers['retry-after']));
    }
    case ErrorCode.RequestError:
      return verdictForNetworkError(describeCause((error as { original: Error }).original));
    case ErrorCode.PlatformError: {
      const data = (error as { data: PlatformData }).data;
      // the client turns a 2xx body that is not JSON (a proxy's page) into `{ ok: false, error: <the body> }`:
      // Slack took the request, and trying again could post the message twice
      if (!SLACK_ERROR_CODE.test(data.error)) return delivered();
      return verdictForPlatformError(data, ctx);
    }
    default:
      return verdictForNetworkError(error);
  }
}

export interface PlatformData {
  error: string;
  needed?: unknown;
  errors?: unknown;
  response_metadata?: { messages?: string[]; retryAfter?: number };
}

/** The `{ ok: false, error }` answers of the Web API. */
export function verdictForPlatformError(data: PlatformData, ctx: SlackContext): Verdict {
  const code = data.error;
  if (RATE_LIMITED.has(code)) {
    const seconds = data.response_metadata?.retryAfter;
    return retry(`Slack rate limit (${code})`, seconds === undefined ? undefined : seconds * 1000, true);
  }
  if (TRANSIENT.has(code)) return retry(`Slack error ${code}`);
  const advice = brokenAdvice(code, data, ctx);
  if (advice) return failed(advice, true);
  const details = blockErrors(data);
  return failed(`Slack rejected the message (${code})${details.length ? `: ${details.slice(0, 3).join('; ')}` : ''}`);
}

/** Slack's `invalid_blocks` detail when it could not fetch an image_url (host down, private, not an image). */
const IMAGE_FETCH_FAILED = 'downloading image failed';

/** The message was refused only because Slack could not fetch one of its images. */
export function isImageFetchFailure(verdict: Verdict): boolean {
  return verdict.kind === 'failed' && !verdict.sinkBroken && verdict.reason.includes(IMAGE_FETCH_FAILED);
}

/** `invalid_blocks` details: `errors` (chat.postMessage) or `response_metadata.messages`. */
export function blockErrors(data: PlatformData): string[] {
  if (Array.isArray(data.errors)) return data.errors.map(String);
  return data.response_metadata?.messages ?? [];
}

/** Node's fetch hides the useful part (ECONNRESET, ECONNREFUSED…) in `cause`. */
export function describeCause(error: Error): Error {
  const cause = (error as { cause?: { code?: unknown; message?: unknown } }).cause;
  const detail = typeof cause?.code === 'string' ? cause.code : typeof cause?.message === 'string' ? cause.message : undefined;
  return detail ? new Error(`${error.message} (${detail})`) : error;
}
