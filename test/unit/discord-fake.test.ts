import { startDiscordFake, type DiscordFake, type FakeWebhook } from '../fakes/discord-fake';

let fake: DiscordFake;
let hook: FakeWebhook;

beforeEach(async () => {
  fake = await startDiscordFake();
  hook = fake.addWebhook();
});
afterEach(() => fake.close());

async function call(path: string, init: { method?: string; body?: unknown; raw?: string; headers?: Record<string, string> } = {}) {
  const response = await fetch(`${fake.apiBase}/v10${path}`, {
    method: init.method ?? 'POST',
    headers: { 'content-type': 'application/json', ...init.headers },
    body: init.raw ?? (init.body === undefined ? undefined : JSON.stringify(init.body)),
  });
  const text = await response.text();
  return { status: response.status, headers: response.headers, json: text ? (JSON.parse(text) as Record<string, unknown>) : undefined };
}
const execute = (body: unknown, query = '?wait=true') => call(`/webhooks/${hook.id}/${hook.token}${query}`, { body });

describe('fake Discord: webhooks', () => {
  it('uses Discord-shaped ids and tokens', () => {
    expect(hook.id).toMatch(/^\d{17,19}$/);
    expect(hook.token).toMatch(/^[A-Za-z0-9_-]{68}$/);
  });

  it('answers 204 without wait and the message with wait=true', async () => {
    expect((await execute({ content: 'hi' }, '')).status).toBe(204);
    const { status, json } = await execute({ content: 'hi', username: 'Relay' });
    expect(status).toBe(200);
    expect(json).toMatchObject({ content: 'hi', channel_id: hook.channelId, webhook_id: hook.id, author: { username: 'Relay', bot: true } });
    expect(fake.messages).toHaveLength(2);
  });

  it('answers the webhook on GET, 10015 for an unknown one and 50027 for a wrong token', async () => {
    expect((await call(`/webhooks/${hook.id}/${hook.token}`, { method: 'GET' })).json).toMatchObject({ id: hook.id, channel_id: hook.channelId, type: 1 });
    expect((await call(`/webhooks/123456789012345678/${hook.token}`, { body: { content: 'x' } })).json).toEqual({ message: 'Unknown Webhook', code: 10015 });
    const wrong = await call(`/webhooks/${hook.id}/${'x'.repeat(68)}`, { body: { content: 'x' } });
    expect(wrong).toMatchObject({ status: 401, json: { code: 50027 } });
  });

  it('refuses bad JSON (50109) and an empty message (50006)', async () => {
    expect((await call(`/webhooks/${hook.id}/${hook.token}`, { raw: '{nope' })).json).toMatchObject({ code: 50109 });
    expect((await execute({ content: '   ', embeds: [{}] })).json).toEqual({ message: 'Cannot send an empty message', code: 50006 });
  });

  it('refuses what is over a limit with a 50035 tree mirroring the JSON path', async () => {
    const { status, json } = await execute({ embeds: [{ title: 't' }, { description: 'd'.repeat(4097) }] });
    expect(status).toBe(400);
    expect(json).toEqual({
      message: 'Invalid Form Body',
      code: 50035,
      errors: { embeds: { '1': { description: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 4096 or fewer in length.' }] } } } },
    });
  });

  it.each([
    ['content over 2000', { content: 'x'.repeat(2001) }, 'content'],
    ['11 embeds', { embeds: Array(11).fill({ title: 't' }) }, 'embeds'],
    ['26 fields', { embeds: [{ fields: Array(26).fill({ name: 'n', value: 'v' }) }] }, 'embeds'],
    ['an empty field value', { embeds: [{ fields: [{ name: 'n', value: ' ' }] }] }, 'embeds'],
    ['over 6000 in all embeds', { embeds: [1, 2].map(() => ({ description: 'd'.repeat(3500) })) }, 'embeds'],
    ['a title over 256', { embeds: [{ title: 't'.repeat(257) }] }, 'embeds'],
    ['a footer without text', { embeds: [{ description: 'd', footer: {} }] }, 'embeds'],
    ['an image that is not http(s)', { embeds: [{ image: { url: 'javascript:alert(1)' } }] }, 'embeds'],
    ['a colour over 0xFFFFFF', { embeds: [{ description: 'd', color: 0x1000000 }] }, 'embeds'],
    ['a username with "discord"', { content: 'x', username: 'My Discord' }, 'username'],
    ['a username of 81', { content: 'x', username: 'u'.repeat(81) }, 'username'],
    ['parse users plus a user list', { content: 'x', allowed_mentions: { parse: ['users'], users: ['123456789012345678'] } }, 'allowed_mentions'],
    ['an unknown parse value', { content: 'x', allowed_mentions: { parse: ['all'] } }, 'allowed_mentions'],
    ['an unknown flag', { content: 'x', flags: 1 }, 'flags'],
  ])('refuses %s', async (_, body, key) => {
    const { status, json } = await execute(body);
    expect(status).toBe(400);
    expect(json).toMatchObject({ code: 50035 });
    expect(Object.keys(json?.errors as object)).toContain(key);
  });

  it('counts code points after trimming, like Discord', async () => {
    expect((await execute({ content: `  ${'😀'.repeat(2000)}  ` })).status).toBe(200);
  });

  it('accepts multipart with payload_json', async () => {
    const form = new FormData();
    form.append('payload_json', JSON.stringify({ content: 'from multipart' }));
    form.append('files[0]', new Blob(['x']), 'x.txt');
    const response = await fetch(`${fake.apiBase}/v10/webhooks/${hook.id}/${hook.token}?wait=true`, { method: 'POST', body: form });
    expect(response.status).toBe(200);
    expect(fake.messages[0]?.content).toBe('from multipart');
  });

  it('records the effective allowed_mentions and who would be pinged', async () => {
    await execute({ content: 'hey <@123456789012345678> @everyone' });
    await execute({ content: 'hey <@123456789012345678> @everyone', allowed_mentions: { parse: [] } });
    expect(fake.messages.map((m) => [m.allowedMentions.parse, m.pinged])).toEqual([
      [['users'], { users: ['123456789012345678'], roles: [], everyone: false }],
      [[], { users: [], roles: [], everyone: false }],
    ]);
  });

  it('needs thread_id for a forum (220001) and refuses an unknown thread (10003)', async () => {
    const forumHook = fake.addWebhook({ channelId: fake.addChannel({ type: 15 }).id });
    expect((await call(`/webhooks/${forumHook.id}/${forumHook.token}?wait=true`, { body: { content: 'x' } })).json).toMatchObject({ code: 220001 });
    expect((await execute({ content: 'x' }, '?wait=true&thread_id=123456789012345678')).json).toMatchObject({ code: 10003 });
  });
});

describe('fake Discord: bots', () => {
  it('needs a bot token (401 code 0), a channel (10003) and permissions (50001, 50013)', async () => {
    const bot = fake.addBot();
    const channel = fake.addChannel();
    const post = (id: string, auth?: string) => call(`/channels/${id}/messages`, { body: { content: 'x' }, headers: auth ? { authorization: auth } : {} });
    expect(await post(channel.id)).toMatchObject({ status: 401, json: { message: '401: Unauthorized', code: 0 } });
    expect((await post('123456789012345678', `Bot ${bot.token}`)).json).toMatchObject({ code: 10003 });
    fake.setAccess(channel.id, 'none');
    expect((await post(channel.id, `Bot ${bot.token}`)).json).toMatchObject({ code: 50001 });
    fake.setAccess(channel.id, 'view-only');
    expect((await post(channel.id, `Bot ${bot.token}`)).json).toMatchObject({ code: 50013 });
    fake.setAccess(channel.id, 'full');
    expect((await post(channel.id, `Bot ${bot.token}`)).status).toBe(200);
    expect(fake.messages[0]?.allowedMentions.parse).toEqual(['users', 'roles', 'everyone']);
    expect(fake.stats.invalidRequests).toBe(3);
  });

  it('returns the first message again for the same nonce with enforce_nonce, and refuses a nonce over 25', async () => {
    const bot = fake.addBot();
    const channel = fake.addChannel();
    const post = (body: unknown) => call(`/channels/${channel.id}/messages`, { body, headers: { authorization: `Bot ${bot.token}` } });
    const first = await post({ content: 'x', nonce: 'abc', enforce_nonce: true });
    const again = await post({ content: 'x', nonce: 'abc', enforce_nonce: true });
    expect(again.json?.id).toBe(first.json?.id);
    expect(fake.messages).toHaveLength(1);
    expect((await post({ content: 'x', nonce: 'n'.repeat(26) })).json).toMatchObject({ code: 50035, errors: { nonce: {} } });
  });
});

describe('fake Discord: threads from messages', () => {
  it('starts a thread whose id is the message’s, validating the name and refusing a second one (160004)', async () => {
    const bot = fake.addBot();
    const channel = fake.addChannel();
    const auth = { authorization: `Bot ${bot.token}` };
    const sent = await call(`/channels/${channel.id}/messages`, { body: { content: 'starter' }, headers: auth });
    const id = sent.json?.id as string;
    const start = (body: unknown, message = id) => call(`/channels/${channel.id}/messages/${message}/threads`, { body, headers: auth });
    expect((await start({ name: '' })).json).toMatchObject({ code: 50035, errors: { name: { _errors: [{ code: 'BASE_TYPE_BAD_LENGTH' }] } } });
    expect((await start({ name: 'n'.repeat(101) })).json).toMatchObject({ code: 50035, errors: { name: {} } });
    expect((await start({})).json).toMatchObject({ code: 50035, errors: { name: { _errors: [{ code: 'BASE_TYPE_REQUIRED' }] } } });
    expect((await start({ name: 'x', auto_archive_duration: 30 })).json).toMatchObject({ code: 50035, errors: { auto_archive_duration: {} } });
    expect((await start({ name: 'x' }, '123456789012345678')).json).toMatchObject({ code: 10008 });
    const made = await start({ name: 'n'.repeat(100), auto_archive_duration: 60 });
    expect(made).toMatchObject({ status: 201, json: { id, type: 11, parent_id: channel.id, thread_metadata: { auto_archive_duration: 60 } } });
    expect(await start({ name: 'again' })).toMatchObject({ status: 400, json: { code: 160004, message: 'A thread has already been created for this message' } });
    // the thread takes messages like a channel
    expect((await call(`/channels/${id}/messages`, { body: { content: 'in the thread' }, headers: auth })).status).toBe(200);
    expect(fake.messages.map((m) => m.channelId)).toEqual([channel.id, id]);
    expect(fake.threads.map((t) => t.starterId)).toEqual([id]);
  });

  it('refuses a bot without thread permission (50013) and a channel that cannot have threads (50024)', async () => {
    const allowed = fake.addBot();
    const denied = fake.addBot({ threads: false });
    const channel = fake.addChannel();
    const sent = await call(`/channels/${channel.id}/messages`, { body: { content: 'x' }, headers: { authorization: `Bot ${denied.token}` } });
    const path = `/channels/${channel.id}/messages/${sent.json?.id as string}/threads`;
    expect(await call(path, { body: { name: 'x' }, headers: { authorization: `Bot ${denied.token}` } })).toMatchObject({ status: 403, json: { code: 50013 } });
    const thread = fake.addThread(channel.id);
    const inThread = await call(`/channels/${thread.id}/messages`, { body: { content: 'y' }, headers: { authorization: `Bot ${allowed.token}` } });
    const nested = await call(`/channels/${thread.id}/messages/${inThread.json?.id as string}/threads`, { body: { name: 'x' }, headers: { authorization: `Bot ${allowed.token}` } });
    expect(nested.json).toMatchObject({ code: 50024 });
  });
});

describe('fake Discord: rate limits', () => {
  it('announces the bucket on every answer and answers 429 like Discord when it is empty', async () => {
    await fake.close();
    fake = await startDiscordFake({ rateLimits: { webhook: true }, timeScale: 0.5 });
    hook = fake.addWebhook();
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await execute({ content: `m${i}` }));
    expect(answers.map((a) => a.status)).toEqual([200, 200, 200, 200, 200, 429]);
    expect(answers.map((a) => a.headers.get('x-ratelimit-remaining'))).toEqual(['4', '3', '2', '1', '0', '0']);
    const first = answers[0]?.headers;
    expect(first?.get('x-ratelimit-limit')).toBe('5');
    expect(Number(first?.get('x-ratelimit-reset-after'))).toBeCloseTo(1, 1);
    expect(Number(first?.get('x-ratelimit-reset'))).toBeGreaterThan(Date.now() / 1000);
    expect(first?.get('x-ratelimit-bucket')).toMatch(/^[0-9a-f]+$/);
    const limited = answers[5];
    expect(Number(limited?.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(limited?.headers.get('x-ratelimit-scope')).toBe('user');
    expect(limited?.json).toMatchObject({ message: 'You are being rate limited.', global: false });
    expect(limited?.json?.retry_after).toBeCloseTo(Number(limited?.headers.get('retry-after')), 3);
    expect(fake.stats).toMatchObject({ tooManyRequests: 1, invalidRequests: 1 });
  });

  it('global limit: X-RateLimit-Global and global: true', async () => {
    await fake.close();
    fake = await startDiscordFake({ rateLimits: { global: { limit: 1, windowMs: 1000 } } });
    hook = fake.addWebhook();
    await execute({ content: 'a' });
    const limited = await execute({ content: 'b' });
    expect(limited.status).toBe(429);
    expect(limited.headers.get('x-ratelimit-global')).toBe('true');
    expect(limited.headers.get('x-ratelimit-scope')).toBe('global');
    expect(limited.json?.global).toBe(true);
  });

  it('injects faults once (or n times) for a route', async () => {
    fake.inject({ kind: 'status', status: 502, times: 2, route: 'webhook-execute' });
    expect((await call(`/webhooks/${hook.id}/${hook.token}`, { method: 'GET' })).status).toBe(200);
    expect((await execute({ content: 'x' })).status).toBe(502);
    expect((await execute({ content: 'x' })).status).toBe(502);
    expect((await execute({ content: 'x' })).status).toBe(200);
    fake.inject({ kind: 'reset' });
    await expect(execute({ content: 'x' })).rejects.toThrow();
  });
});
