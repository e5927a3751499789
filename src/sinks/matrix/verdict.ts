import { parseRetryAfter, verdictForStatus } from '../http-verdict';
import { failed, retry, type Verdict } from '../../deliver/sink';
import type { MatrixResponse } from './api';

/** What the sink needs to word an operator-readable reason. */
export interface VerdictContext {
  sinkName: string;
  homeserver: string;
  room: string;
  userId?: string;
}

/** A failed answer classified: the verdict, and for a broken sink what the operator must fix. */
export interface Classified {
  verdict: Verdict;
  broken?: string;
}

const TOKEN_ERRORS = new Set(['M_UNKNOWN_TOKEN', 'M_MISSING_TOKEN']);
const INVALID_PAYLOAD = new Set(['M_NOT_JSON', 'M_BAD_JSON', 'M_TOO_LARGE']);

/** `429 M_LIMIT_EXCEEDED: Too Many Requests`, for verdict reasons and logs. */
export function describeResponse(response: MatrixResponse): string {
  const detail = [response.errcode, response.error].filter((p) => p !== undefined).join(': ');
  return `${response.status}${detail === '' ? '' : ` ${detail.slice(0, 200)}`}`;
}

/** Retry-After (seconds or HTTP date) first, then the deprecated body field `retry_after_ms`. */
export function retryAfterMs(response: MatrixResponse): number | undefined {
  const header = parseRetryAfter(response.headers.get('retry-after'));
  if (header !== undefined) return header;
  const fromBody = (response.body as { retry_after_ms?: unknown } | undefined)?.retry_after_ms;
  return typeof fromBody === 'number' && Number.isFinite(fromBody) && fromBody >= 0 ? Math.ceil(fromBody) : undefined;
}

/**
 * platforms.md §4 for Matrix. The errcode is trusted over the status, except M_UNKNOWN (and answers
 * without an errcode, such as a proxy's HTML page), which fall back to the shared status classifier.
 */
export function classifyFailure(response: MatrixResponse, ctx: VerdictContext): Classified {
  const what = `matrix ${describeResponse(response)}`;
  const code = response.errcode;
  const wait = retryAfterMs(response);
  const key = `sinks.${ctx.sinkName}`;
  const broken = (reason: string): Classified => ({ verdict: failed(reason, true), broken: reason });

  if (code === 'M_LIMIT_EXCEEDED') return { verdict: retry(what, wait, true) };
  if (code === 'M_RESOURCE_LIMIT_EXCEEDED') return { verdict: retry(what, wait) };
  if (code !== undefined && INVALID_PAYLOAD.has(code)) return { verdict: failed(what) };
  if (code !== undefined && TOKEN_ERRORS.has(code)) {
    return broken(`access token rejected by ${ctx.homeserver} (${response.status} ${code}): log in again and update ${key}.accessToken`);
  }
  if (code === 'M_FORBIDDEN') {
    const who = ctx.userId ?? 'the bot';
    return broken(
      `${who} may not post in ${ctx.room} (${describeResponse(response)}): invite ${who} to the room (with autoJoin it joins by itself) or let it send messages there`,
    );
  }
  if (code === 'M_NOT_FOUND') {
    return broken(`room ${ctx.room} was not found on ${ctx.homeserver} (${describeResponse(response)}): check ${key}.room`);
  }
  if (code === 'M_UNRECOGNIZED') {
    return broken(
      `${ctx.homeserver} does not answer the Matrix Client-Server API (${describeResponse(response)}): check ${key}.homeserver`,
    );
  }
  if (code === 'M_USER_DEACTIVATED') {
    return broken(`the bot account was deactivated on ${ctx.homeserver}: create a new account and update ${key}.accessToken`);
  }

  const verdict = verdictForStatus(response.status, what, wait);
  if (verdict.kind === 'failed' && verdict.sinkBroken) {
    return { verdict, broken: `${ctx.homeserver} refused the bot (${describeResponse(response)}): check ${key}` };
  }
  return { verdict };
}
