import { WebClient } from '@slack/web-api';
import { startSlackFake, validateBlocks, wouldPing, type SlackFake, type SlackFakeOptions } from '../fakes/slack-fake';

/** The fake must refuse what Slack refuses, or the sink tests prove nothing. */

const fakes: SlackFake[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

async function fake(options: SlackFakeOptions = {}): Promise<SlackFake> {
  const started = await startSlackFake(options);
  fakes.push(started);
  return started;
}

const section = (text: string) => ({ type: 'section', text: { type: 'mrkdwn', text } });

async function callApi(f: SlackFake, method: string, body: string | Record<string, unknown>, headers: Record<string, string> = {}) {
  const json = typeof body !== 'string';
  const response = await fetch(`${f.apiUrl}${method}`, {
    method: 'POST',
    headers: { 'Content-Type': json ? 'application/json' : 'application/x-www-form-urlencoded', ...headers },
    body: json ? JSON.stringify(body) : body,
  });
  return { status: response.status, headers: response.headers, body: (await response.json()) as Record<string, unknown> };
}

describe('fake Slack Web API', () => {
  test('takes form posts from WebClient: JSON-valued blocks, string booleans, Bearer token', async () => {
    const f = await fake();
    const client = new WebClient(f.bot.token, { slackApiUrl: f.apiUrl, retryConfig: { retries: 0 } });
    const result = await client.chat.postMessage({ channel: 'C0ALERTS01', text: 'hi', blocks: [section('hi')], unfurl_links: false });
    expect(result).toMatchObject({ ok: true, channel: 'C0ALERTS01', message: { subtype: 'bot_message', text: 'hi' } });
    expect(f.messages[0]?.args).toEqual({ channel: 'C0ALERTS01', text: 'hi', blocks: [section('hi')], unfurl_links: false });
  });

  test('takes JSON with a Bearer token, and a token form field', async () => {
    const f = await fake();
    expect((await callApi(f, 'chat.postMessage', { channel: '#alerts', text: 'json' }, { Authorization: `Bearer ${f.bot.token}` })).body.ok).toBe(true);
    expect((await callApi(f, 'chat.postMessage', `token=${f.bot.token}&channel=C0ALERTS01&text=form`)).body.ok).toBe(true);
    expect(f.messages.map((m) => m.text)).toEqual(['json', 'form']);
  });

  test('answers ts values that are unique and increasing', async () => {
    const f = await fake();
    const client = new WebClient(f.bot.token, { slackApiUrl: f.apiUrl, retryConfig: { retries: 0 } });
    const ts: string[] = [];
    for (let i = 0; i < 5; i++) ts.push((await client.chat.postMessage({ channel: 'C0ALERTS01', text: `n${i}` })).ts ?? '');
    expect(ts.every((t) => /^\d{10}\.\d{6}$/.test(t))).toBe(true);
    expect([...ts].sort()).toEqual(ts);
    expect(new Set(ts).size).toBe(5);
  });

  test.each([
    ['no token', '', {}, 'not_authed'],
    ['unknown token', 'xoxb-unknown', {}, 'invalid_auth'],
    ['unknown channel', undefined, { channel: 'C0NOWHERE1' }, 'channel_not_found'],
    ['private channel without the bot', undefined, { channel: 'C0SECRET01' }, 'channel_not_found'],
    ['public channel without the bot', undefined, { channel: 'C0OUTSIDE1' }, 'not_in_channel'],
    ['archived channel', undefined, { channel: 'C0ARCHIVE1' }, 'is_archived'],
    ['no content', undefined, { text: '' }, 'no_text'],
    ['markdown_text with text', undefined, { markdown_text: '**x**', text: 'x' }, 'invalid_arguments'],
    ['101 attachments', undefined, { attachments: Array.from({ length: 101 }, () => ({ text: 'a' })) }, 'too_many_attachments'],
  ])('%s → %s', async (_name, token, args, error) => {
    const f = await fake({
      channels: [
        { id: 'C0ALERTS01', name: 'alerts' },
        { id: 'C0SECRET01', name: 'secret', private: true, member: false },
        { id: 'C0OUTSIDE1', name: 'outside', member: false },
        { id: 'C0ARCHIVE1', name: 'old', archived: true },
      ],
    });
    const auth: Record<string, string> = token === '' ? {} : { Authorization: `Bearer ${token ?? f.bot.token}` };
    const answer = await callApi(f, 'chat.postMessage', { channel: 'C0ALERTS01', text: 'x', ...args }, auth);
    expect(answer.status).toBe(200);
    expect(answer.body).toMatchObject({ ok: false, error });
    expect(f.messages).toHaveLength(0);
  });

  test('a revoked token answers token_revoked', async () => {
    const f = await fake();
    f.revokeToken(f.bot.token);
    expect((await callApi(f, 'auth.test', {}, { Authorization: `Bearer ${f.bot.token}` })).body).toMatchObject({ ok: false, error: 'token_revoked' });
  });

  test('username without chat:write.customize → missing_scope naming the scope, or ignored when so configured', async () => {
    const strict = await fake({ tokens: [{ token: 'xoxb-t', scopes: ['chat:write'] }] });
    const answer = await callApi(strict, 'chat.postMessage', { channel: 'C0ALERTS01', text: 'x', username: 'Alice' }, { Authorization: 'Bearer xoxb-t' });
    expect(answer.body).toMatchObject({ ok: false, error: 'missing_scope', needed: 'chat:write.customize', provided: 'chat:write' });

    const lenient = await fake({ tokens: [{ token: 'xoxb-t', scopes: ['chat:write'] }], overridesWithoutScope: 'ignore' });
    await callApi(lenient, 'chat.postMessage', { channel: 'C0ALERTS01', text: 'x', username: 'Alice' }, { Authorization: 'Bearer xoxb-t' });
    expect(lenient.messages[0]?.username).toBeUndefined();
  });

  test('text over 40,000 characters is truncated with a warning, like Slack', async () => {
    const f = await fake();
    const answer = await callApi(f, 'chat.postMessage', { channel: 'C0ALERTS01', text: 'x'.repeat(40_010) }, { Authorization: `Bearer ${f.bot.token}` });
    expect(answer.body).toMatchObject({ ok: true, warnings: ['message_truncated'] });
    expect(f.messages[0]?.text).toHaveLength(40_000);
  });

  test('unparseable blocks in a form post → invalid_blocks_format', async () => {
    const f = await fake();
    const answer = await callApi(f, 'chat.postMessage', `token=${f.bot.token}&channel=C0ALERTS01&blocks=%5B%7Bnope`);
    expect(answer.body).toMatchObject({ ok: false, error: 'invalid_blocks_format' });
  });

  test('blocks text beyond Slack’s cumulative budget → msg_blocks_too_long', async () => {
    const f = await fake();
    const blocks = Array.from({ length: 5 }, () => section('y'.repeat(2900)));
    const answer = await callApi(f, 'chat.postMessage', { channel: 'C0ALERTS01', text: 'x', blocks }, { Authorization: `Bearer ${f.bot.token}` });
    expect(answer.body).toMatchObject({ ok: false, error: 'msg_blocks_too_long' });
  });

  test('conversations.list pages with a cursor and hides private channels the bot is not in', async () => {
    const f = await fake({
      channels: [
        ...Array.from({ length: 7 }, (_, i) => ({ id: `C0PUB0000${i}`, name: `pub-${i}` })),
        { id: 'C0PRIV0001', name: 'mine', private: true },
        { id: 'C0PRIV0002', name: 'theirs', private: true, member: false },
        { id: 'C0ARCH0001', name: 'gone', archived: true },
      ],
      maxPageSize: 3,
    });
    const client = new WebClient(f.bot.token, { slackApiUrl: f.apiUrl, retryConfig: { retries: 0 } });
    const names: string[] = [];
    for await (const page of client.paginate('conversations.list', { types: 'public_channel,private_channel', exclude_archived: true, limit: 200 })) {
      names.push(...((page as { channels?: { name: string }[] }).channels ?? []).map((c) => c.name));
    }
    expect(names).toEqual(['pub-0', 'pub-1', 'pub-2', 'pub-3', 'pub-4', 'pub-5', 'pub-6', 'mine']);
    expect(f.requests.filter((r) => r.route === 'conversations.list')).toHaveLength(3);
  });

  test('rate limit per token and channel: 429, integer Retry-After, {ok:false, error:"ratelimited"}', async () => {
    const f = await fake({ rateLimit: 'slack', channels: [{ id: 'C0ALERTS01', name: 'alerts' }, { id: 'C0OTHER001', name: 'other' }] });
    const post = (channel: string) => callApi(f, 'chat.postMessage', { channel, text: 'x' }, { Authorization: `Bearer ${f.bot.token}` });
    for (let i = 0; i < 3; i++) expect((await post('C0ALERTS01')).status).toBe(200);
    const limited = await post('C0ALERTS01');
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toMatch(/^[1-9]\d*$/);
    expect(limited.body).toEqual({ ok: false, error: 'ratelimited' });
    expect((await post('C0OTHER001')).status).toBe(200);
  });

  test('injected faults: 5xx, latency and reset', async () => {
    const f = await fake();
    f.inject('chat.postMessage', { kind: 'status', status: 503, body: 'down' });
    f.inject('chat.postMessage', { kind: 'latency', ms: 50 });
    f.inject('chat.postMessage', { kind: 'reset' });
    const post = () => fetch(`${f.apiUrl}chat.postMessage`, { method: 'POST', headers: { Authorization: `Bearer ${f.bot.token}`, 'Content-Type': 'application/json' }, body: JSON.stringify({ channel: 'C0ALERTS01', text: 'x' }) });
    expect((await post()).status).toBe(503);
    const started = Date.now();
    expect((await post()).status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(45);
    await expect(post()).rejects.toThrow();
    expect((await post()).status).toBe(200);
  });
});

describe('fake Slack Block Kit checks', () => {
  test.each([
    ['section text over 3000', [section('x'.repeat(3001))], 'must be less than 3001 characters [json-pointer:/blocks/0/text/text]'],
    ['empty section text', [section(' ')], 'must be more than 0 characters [json-pointer:/blocks/0/text/text]'],
    ['header over 150', [{ type: 'header', text: { type: 'plain_text', text: 'h'.repeat(151) } }], 'must be less than 151 characters [json-pointer:/blocks/0/text/text]'],
    ['mrkdwn header', [{ type: 'header', text: { type: 'mrkdwn', text: 'h' } }], 'must be a valid enum value [json-pointer:/blocks/0/text/type]'],
    ['51 blocks', Array.from({ length: 51 }, () => ({ type: 'divider' })), 'no more than 50 items allowed [json-pointer:/blocks]'],
    ['11 context elements', [{ type: 'context', elements: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'c' })) }], 'no more than 10 items allowed [json-pointer:/blocks/0/elements]'],
    ['11 fields', [{ type: 'section', fields: Array.from({ length: 11 }, () => ({ type: 'mrkdwn', text: 'f' })) }], 'no more than 10 items allowed [json-pointer:/blocks/0/fields]'],
    ['field over 2000', [{ type: 'section', fields: [{ type: 'mrkdwn', text: 'f'.repeat(2001) }] }], 'must be less than 2001 characters [json-pointer:/blocks/0/fields/0/text]'],
    ['image without alt', [{ type: 'image', image_url: 'https://x.example/a.png' }], 'must provide a string [json-pointer:/blocks/0/alt_text]'],
    ['alt over 2000', [{ type: 'image', image_url: 'https://x.example/a.png', alt_text: 'a'.repeat(2001) }], 'must be less than 2001 characters [json-pointer:/blocks/0/alt_text]'],
    ['image_url over 3000', [{ type: 'image', image_url: `https://x.example/${'a'.repeat(3000)}.png`, alt_text: 'a' }], 'must be less than 3001 characters [json-pointer:/blocks/0/image_url]'],
    ['WebP image', [{ type: 'image', image_url: 'https://x.example/a.webp', alt_text: 'a' }], 'downloading image failed [json-pointer:/blocks/0/image_url]'],
    ['unknown property', [{ type: 'divider', color: 'red' }], 'unsupported property: color [json-pointer:/blocks/0/color]'],
    ['verbatim on plain_text', [{ type: 'header', text: { type: 'plain_text', text: 'h', verbatim: true } }], 'unsupported property: verbatim [json-pointer:/blocks/0/text/verbatim]'],
    ['unknown block type', [{ type: 'carousel' }], 'must be a valid enum value [json-pointer:/blocks/0/type]'],
  ])('%s → invalid_blocks', async (_name, blocks, error) => {
    expect(validateBlocks(blocks)).toContain(error);
    const f = await fake();
    const answer = await callApi(f, 'chat.postMessage', { channel: 'C0ALERTS01', text: 'x', blocks }, { Authorization: `Bearer ${f.bot.token}` });
    expect(answer.body).toMatchObject({ ok: false, error: 'invalid_blocks', errors: expect.arrayContaining([error]) });
  });

  test('an image on a host Slack cannot reach → downloading image failed', () => {
    const blocks = [{ type: 'context', elements: [{ type: 'image', image_url: 'https://down.example/a.png', alt_text: 'a' }] }];
    expect(validateBlocks(blocks, new Set(['down.example']))).toEqual(['downloading image failed [json-pointer:/blocks/0/elements/0/image_url]']);
  });

  test('valid blocks at every limit pass', () => {
    const blocks = [
      { type: 'header', text: { type: 'plain_text', text: 'h'.repeat(150) } },
      { type: 'section', text: { type: 'mrkdwn', text: 's'.repeat(3000), verbatim: true } },
      { type: 'section', fields: Array.from({ length: 10 }, () => ({ type: 'mrkdwn', text: 'f'.repeat(200) })) },
      { type: 'context', elements: [{ type: 'image', image_url: 'https://x.example/a', alt_text: 'a' }, ...Array.from({ length: 9 }, () => ({ type: 'mrkdwn', text: 'c' }))] },
      { type: 'image', image_url: 'https://x.example/a.JPG', alt_text: 'a'.repeat(2000) },
      ...Array.from({ length: 45 }, () => ({ type: 'divider' })),
    ];
    expect(validateBlocks(blocks)).toEqual([]);
  });
});

describe('fake Slack incoming webhooks', () => {
  const postHook = (url: string, body: string, contentType = 'application/json') =>
    fetch(url, { method: 'POST', headers: { 'Content-Type': contentType }, body }).then(async (r) => ({ status: r.status, type: r.headers.get('content-type'), text: await r.text() }));

  test('200 text/plain "ok", posted to the hook’s channel without overrides', async () => {
    const f = await fake();
    const answer = await postHook(f.webhookUrl, JSON.stringify({ text: 'hi', username: 'ignored', channel: '#elsewhere' }));
    expect(answer).toEqual({ status: 200, type: 'text/plain; charset=utf-8', text: 'ok' });
    expect(f.messages[0]).toMatchObject({ via: 'webhook', channel: 'C0ALERTS01', text: 'hi', username: undefined });
  });

  test.each([
    ['bad JSON', (f: SlackFake) => postHook(f.webhookUrl, '{nope'), 400, 'invalid_payload'],
    ['no text', (f: SlackFake) => postHook(f.webhookUrl, '{}'), 400, 'no_text'],
    ['bad blocks', (f: SlackFake) => postHook(f.webhookUrl, JSON.stringify({ text: 'x', blocks: [section('')] })), 400, 'invalid_blocks'],
    ['unknown hook', (f: SlackFake) => postHook(`${f.url}/services/T000/B000/nope`, '{"text":"x"}'), 404, 'no_service'],
  ])('%s → %i %s', async (_name, send, status, text) => {
    const f = await fake();
    expect(await send(f)).toMatchObject({ status, text });
    expect(f.messages).toHaveLength(0);
  });

  test('archived channel → 410, prohibited hook → 403, rate limit → 429 with Retry-After', async () => {
    const f = await fake({ webhooks: [{ path: 'T000/B000/XXXX', channel: 'C0ALERTS01' }, { path: 'T000/B001/YYYY', channel: 'C0ALERTS01', prohibited: true }], rateLimit: { perSecond: 1, burst: 1 } });
    expect(await postHook(`${f.url}/services/T000/B001/YYYY`, '{"text":"x"}')).toMatchObject({ status: 403, text: 'action_prohibited' });
    expect((await postHook(f.webhookUrl, '{"text":"x"}')).status).toBe(200);
    const limited = await fetch(f.webhookUrl, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: '{"text":"x"}' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    f.channel('alerts').archived = true;
    expect(await postHook(f.webhookUrl, '{"text":"x"}')).toMatchObject({ status: 410, text: 'channel_is_archived' });
  });
});

describe('wouldPing', () => {
  test('finds explicit pings in text and mrkdwn, bare ones only where Slack preprocesses', () => {
    const hits = wouldPing({
      text: 'a <!here> b @channel',
      blocks: [
        section('<@U123> <!subteam^S1|@team> @everyone'),
        { type: 'section', text: { type: 'mrkdwn', text: '@here <!channel|channel>', verbatim: true } },
        { type: 'header', text: { type: 'plain_text', text: '<!everyone>' } },
        { type: 'context', elements: [{ type: 'mrkdwn', text: '&lt;!here&gt; <!date^1^{date}|x>', verbatim: true }] },
      ],
    });
    expect(hits).toEqual([
      '/text: <!here>',
      '/blocks/0/text/text: <@U123>',
      '/blocks/0/text/text: <!subteam^S1|@team>',
      '/blocks/0/text/text: @everyone',
      '/blocks/1/text/text: <!channel|channel>',
    ]);
  });
});
