import { DiscordAPIError, HTTPError, RateLimitError } from '../../src/sinks/discord/rest';
import { classifyError, paceOf, type ErrorContext } from '../../src/sinks/discord/errors';
import type { DiscordTarget } from '../../src/sinks/discord/target';

const TOKEN = 'T'.repeat(68);
const webhook: DiscordTarget = { mode: 'webhook', apiBase: 'https://discord.com/api', webhookId: '123456789012345678', webhookToken: TOKEN };
const bot: DiscordTarget = { mode: 'bot', apiBase: 'https://discord.com/api', botToken: 'bot.token.secret', channelId: '234567890123456789' };
const context = (target: DiscordTarget, exchange: ErrorContext['exchange'] = {}): ErrorContext => ({ sinkName: 'alerts', target, exchange, timeoutMs: 10_000 });

function rateLimitError(retryAfter: number, scope: 'user' | 'global' | 'shared' = 'user', global = false): RateLimitError {
  return new RateLimitError({
    timeToReset: retryAfter,
    limit: 5,
    method: 'POST',
    hash: 'h',
    url: `https://discord.com/api/v10/webhooks/123456789012345678/${TOKEN}`,
    route: '/webhooks/:id/:token',
    majorParameter: `123456789012345678/${TOKEN}`,
    global,
    retryAfter,
    sublimitTimeout: 0,
    scope,
  });
}

const apiError = (status: number, code: number, message: string) =>
  new DiscordAPIError({ code, message }, code, status, 'POST', `https://discord.com/api/v10/webhooks/123456789012345678/${TOKEN}`, { body: {} });

describe('Discord error classification', () => {
  it('a RateLimitError without a 429 answer is discord.js waiting on its bucket: retry, not rate limited', () => {
    const { verdict } = classifyError(rateLimitError(1234), context(webhook));
    expect(verdict).toMatchObject({ kind: 'retry', afterMs: 1234, rateLimited: false, pace: { remaining: 0, resetAfterMs: 1234 } });
  });

  it('a RateLimitError after a 429 answer honours its Retry-After and counts as rate limited', () => {
    const exchange = { response: { status: 429, retryAfterMs: 2500, scope: 'user', global: false } };
    const { verdict } = classifyError(rateLimitError(2550), context(webhook, exchange));
    expect(verdict).toMatchObject({ kind: 'retry', afterMs: 2500, rateLimited: true });
  });

  it('a global 429 says so', () => {
    const exchange = { response: { status: 429, retryAfterMs: 100, scope: 'global', global: true } };
    const { verdict } = classifyError(rateLimitError(150, 'global', true), context(bot, exchange));
    expect(verdict).toMatchObject({ kind: 'retry', rateLimited: true });
    expect((verdict as { reason: string }).reason).toContain('global');
  });

  it.each([
    ['webhook', 404, 10015, true, 'was deleted'],
    ['webhook', 401, 50027, false, 'Invalid Webhook Token'],
    ['webhook', 404, 10003, true, '10003 Unknown Channel'],
    ['bot', 401, 0, false, 'Reset Token'],
    ['bot', 404, 10003, true, 'sinks.alerts.channelId'],
    ['bot', 403, 50001, false, 'View Channel'],
    ['bot', 403, 50013, false, 'Embed Links'],
    ['bot', 400, 220001, false, 'sinks.alerts.threadId'],
    ['bot', 403, 40333, false, 'check sinks.alerts'],
  ] as const)('%s %i %i → sink broken (permanent: %s)', (mode, status, code, permanent, advice) => {
    const outcome = classifyError(apiError(status, code, 'Something'), context(mode === 'webhook' ? webhook : bot));
    expect(outcome.verdict).toMatchObject({ kind: 'failed', sinkBroken: true });
    expect(outcome.broken?.permanent).toBe(permanent);
    expect(outcome.broken?.reason).toContain(advice);
    expect(JSON.stringify(outcome)).not.toContain(TOKEN);
  });

  it('400 and 413 fail the message only; 408 and 5xx retry', () => {
    expect(classifyError(apiError(400, 50035, 'Invalid Form Body'), context(webhook)).verdict).toMatchObject({ kind: 'failed', sinkBroken: false });
    expect(classifyError(apiError(413, 40005, 'Request entity too large'), context(webhook)).verdict).toMatchObject({ kind: 'failed', sinkBroken: false });
    expect(classifyError(apiError(408, 0, 'Timeout'), context(webhook)).verdict.kind).toBe('retry');
    const exchange = { response: { status: 503, retryAfterMs: 3000, remaining: 2, resetAfterMs: 900, global: false } };
    const serverError = new HTTPError(503, 'Service Unavailable', 'POST', 'https://discord.com/api', { body: {} });
    expect(classifyError(serverError, context(webhook, exchange)).verdict).toMatchObject({ kind: 'retry', afterMs: 3000, pace: { remaining: 2, resetAfterMs: 900 } });
  });

  it('network errors retry and never carry a token', () => {
    const error = Object.assign(new Error(`connect ECONNREFUSED for https://discord.com/api/webhooks/1/${TOKEN}`), { code: 'ECONNREFUSED' });
    const { verdict } = classifyError(error, context(webhook));
    expect(verdict.kind).toBe('retry');
    expect((verdict as { reason: string }).reason).not.toContain(TOKEN);
    expect((verdict as { reason: string }).reason).toContain('[redacted]');
  });
});

describe('paceOf', () => {
  it('adds the margin to the reset of a spent bucket only: while sends remain, the bucket takes them at once', () => {
    expect(paceOf({ status: 200, global: false, remaining: 3, resetAfterMs: 900 }, 60)).toEqual({ remaining: 3, resetAfterMs: 900 });
    expect(paceOf({ status: 200, global: false, remaining: 0, resetAfterMs: 900 }, 60)).toEqual({ remaining: 0, resetAfterMs: 960 });
    expect(paceOf({ status: 200, global: false }, 60)).toBeUndefined();
  });
});
