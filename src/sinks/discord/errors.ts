import { DiscordAPIError, HTTPError, RateLimitError } from './rest';
import { verdictForNetworkError, verdictForStatus } from '../http-verdict';
import { delivered, failed, retry, type Pace, type Verdict } from '../../deliver/sink';
import { describeTarget, type DiscordTarget } from './target';
import type { Exchange, ResponseInfo } from './transport';

/** The sink cannot deliver anything until the operator fixes something. */
export interface Broken {
  reason: string;
  /** the destination is gone: a later success does not make the sink healthy again */
  permanent: boolean;
}

export interface ErrorContext {
  sinkName: string;
  target: DiscordTarget;
  exchange: Exchange;
  timeoutMs: number;
}

export interface Outcome {
  verdict: Verdict;
  broken?: Broken;
  /** extra facts for the log line (never secrets) */
  details: Record<string, unknown>;
}

/** Removes the tokens from any text that reaches a verdict or a log line. */
export function redactSecrets(text: string, target: DiscordTarget): string {
  const secret = target.mode === 'webhook' ? target.webhookToken : target.botToken;
  return secret === '' ? text : text.split(secret).join('[redacted]');
}

/**
 * The rate-limit headers as a pace hint. `marginMs` is added to the reset of a spent bucket, so a
 * lane waiting it out never arrives early; while sends remain the bucket allows them whenever they
 * come, and a margin would only slow every send down.
 */
export function paceOf(response: ResponseInfo | undefined, marginMs = 0): Pace | undefined {
  if (response?.remaining === undefined || response.resetAfterMs === undefined) return undefined;
  return { remaining: response.remaining, resetAfterMs: response.resetAfterMs + (response.remaining === 0 ? marginMs : 0) };
}

function apiMessage(error: DiscordAPIError): string {
  const raw = error.rawError as { message?: unknown };
  return typeof raw?.message === 'string' ? raw.message : error.message.split('\n')[0] ?? '';
}

/** The operator-readable reason when a Discord error means the sink's configuration is wrong. */
export function brokenReason(status: number, code: number | undefined, message: string, ctx: Omit<ErrorContext, 'exchange' | 'timeoutMs'>): Broken | undefined {
  const { target } = ctx;
  const key = (name: string) => `sinks.${ctx.sinkName}.${name}`;
  const where = describeTarget(target);
  if (target.mode === 'webhook') {
    const id = target.webhookId;
    if (code === 10015) {
      return { permanent: true, reason: `Discord webhook ${id} was deleted (10015 Unknown Webhook): create a new webhook and update ${key('webhookUrl')}` };
    }
    if (code === 50027 || status === 401) {
      return { permanent: false, reason: `Discord refused the token of webhook ${id} (${code || status} Invalid Webhook Token): copy the webhook URL again into ${key('webhookUrl')}` };
    }
    if (code === 10003) {
      return {
        permanent: true,
        reason: target.threadId
          ? `Discord thread ${target.threadId} was not found for webhook ${id} (10003 Unknown Channel): it was deleted or is in another channel; fix ${key('threadId')}`
          : `The channel of Discord webhook ${id} was not found (10003 Unknown Channel): create a new webhook and update ${key('webhookUrl')}`,
      };
    }
  } else {
    const idKey = key(target.threadId ? 'threadId' : 'channelId');
    if (status === 401) {
      return { permanent: false, reason: `Discord refused the bot token (401 Unauthorized): reset it in the Developer Portal (Bot → Reset Token) and update ${key('botToken')}` };
    }
    if (code === 10003) {
      return { permanent: true, reason: `Discord ${where} was not found (10003 Unknown Channel): check ${idKey} and that the bot is a member of that server` };
    }
    if (code === 50001) {
      return {
        permanent: false,
        reason: `The bot cannot see Discord ${where} (50001 Missing Access): invite it to the server and allow it View Channel there${target.threadId ? ' (and add it to the thread if the thread is private)' : ''}`,
      };
    }
    if (code === 50013) {
      return {
        permanent: false,
        reason: `The bot lacks permissions in Discord ${where} (50013 Missing Permissions): allow it ${target.threadId ? 'Send Messages in Threads' : 'Send Messages'} and Embed Links there`,
      };
    }
  }
  if (code === 220001) {
    return { permanent: false, reason: `Discord ${where} posts into a forum channel (220001): set ${key('threadId')} to the id of the post to write in` };
  }
  if (code === 50083) {
    return { permanent: false, reason: `Discord ${where}: the thread is archived (50083): unarchive it or change ${key('threadId')}` };
  }
  if (status === 401 || status === 403 || status === 404 || status === 410) {
    return { permanent: false, reason: `Discord refused ${where} (${status}${code ? ` ${code}` : ''} ${message}): check sinks.${ctx.sinkName}` };
  }
  return undefined;
}

function rateLimited(error: RateLimitError, ctx: ErrorContext): Outcome {
  const response = ctx.exchange.response;
  const fromServer = response?.status === 429;
  const waitMs = Math.max(0, Math.ceil((fromServer ? response.retryAfterMs : undefined) ?? error.retryAfter));
  const scope = error.global || response?.global ? 'global' : (response?.scope ?? error.scope);
  const pace: Pace = { remaining: 0, resetAfterMs: waitMs };
  const details = { scope, waitMs, fromServer, route: error.route };
  if (fromServer) {
    return { verdict: { kind: 'retry', reason: `Discord rate limit (429, ${scope} scope): retry in ${waitMs} ms`, afterMs: waitMs, rateLimited: true, pace }, details };
  }
  // discord.js saw the bucket empty and did not send: no 429 reached Discord
  const reason = `Discord rate-limit bucket empty (${scope} scope): next send in ${waitMs} ms`;
  return { verdict: { kind: 'retry', reason, afterMs: waitMs, rateLimited: false, pace }, details };
}

function apiError(error: DiscordAPIError, ctx: ErrorContext): Outcome {
  const code = typeof error.code === 'number' ? error.code : undefined;
  const message = redactSecrets(apiMessage(error), ctx.target);
  const label = `${error.status}${code !== undefined ? ` ${code}` : ''} ${message}`.trim();
  const rawErrors = (error.rawError as { errors?: unknown }).errors;
  const details = { status: error.status, code, ...(rawErrors ? { errors: rawErrors } : {}) };
  const broken = brokenReason(error.status, code, message, ctx);
  if (broken) return { verdict: failed(broken.reason, true), broken, details };
  if (error.status === 400 || error.status === 413) {
    // the message says which fields Discord refused, one per line
    const fields = redactSecrets(error.message, ctx.target).split('\n').slice(1).join('; ');
    return { verdict: failed(`Discord refused the message (${label})${fields ? `: ${fields}` : ''}`), details };
  }
  const verdict = verdictForStatus(error.status, `Discord answered ${label}`, ctx.exchange.response?.retryAfterMs);
  return { verdict, details };
}

/** The verdict for anything `post` threw, and whether the sink is now broken. */
export function classifyError(error: unknown, ctx: ErrorContext): Outcome {
  if (error instanceof RateLimitError) return rateLimited(error, ctx);
  if (error instanceof DiscordAPIError) return apiError(error, ctx);
  if (error instanceof HTTPError) {
    const verdict = verdictForStatus(error.status, `Discord server error ${error.status} ${error.message}`.trim(), ctx.exchange.response?.retryAfterMs);
    const pace = paceOf(ctx.exchange.response);
    return { verdict: pace && verdict.kind === 'retry' ? { ...verdict, pace } : verdict, details: { status: error.status } };
  }
  // a 2xx whose body is not JSON (a proxy's page): Discord took the message, and posting again would double it
  const status = ctx.exchange.response?.status;
  // by name: fetch's body parser throws the SyntaxError of its own realm
  if ((error as { name?: unknown } | null)?.name === 'SyntaxError' && status !== undefined && status >= 200 && status < 300) {
    return { verdict: delivered(), details: { status, unreadableAnswer: true } };
  }
  // undici's abort is a DOMException, not always an Error of this realm
  const name = (error as { name?: unknown } | null)?.name;
  if (name === 'AbortError' || name === 'TimeoutError') {
    return { verdict: retry(`Discord did not answer within ${ctx.timeoutMs} ms`), details: { timeoutMs: ctx.timeoutMs } };
  }
  const code = (error as { code?: unknown; cause?: { code?: unknown } } | null)?.code ?? (error as { cause?: { code?: unknown } } | null)?.cause?.code;
  const text = redactSecrets(error instanceof Error ? error.message : String(error), ctx.target);
  return {
    verdict: verdictForNetworkError(new Error(typeof code === 'string' && !text.includes(code) ? `${text} (${code})` : text)),
    details: { code },
  };
}
