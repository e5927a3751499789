import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/observe/logger';
import type { Message } from '../../src/render/message';
import { discordSinkConfig } from '../../src/sinks/discord/config';
import { threadName } from '../../src/sinks/discord/conversation';
import { createDiscordSink, type DiscordSinkTuning } from '../../src/sinks/discord/discord-sink';
import { MAX_EMBED_DESCRIPTION, MAX_EMBEDS, MAX_EMBEDS_TOTAL, MAX_NONCE } from '../../src/sinks/discord/limits';
import type { DiscordBody } from '../../src/sinks/discord/payload';
import type { Delivery, Sink, Verdict } from '../../src/deliver/sink';
import { startDiscordFake, type DiscordFake, type DiscordFakeOptions, type FakeMessage } from '../fakes/discord-fake';

// ---- builders ----------------------------------------------------------------------------------

let serial = 0;
function message(over: Partial<Message> = {}): Message {
  return {
    event: 'note',
    text: 'Hello from **Misskey**',
    plain: 'Hello from Misskey',
    url: 'https://misskey.example/notes/9abc',
    timestamp: '2025-05-01T12:00:00.000Z',
    color: 0x86b300,
    author: { name: 'Alice', url: 'https://misskey.example/@alice', iconUrl: 'https://misskey.example/avatar/alice.png' },
    images: [],
    fields: [],
    ...over,
  };
}
const delivery = (...messages: Message[]): Delivery => ({ key: `job-${++serial}`, messages });
const images = (count: number, sensitive = false) =>
  Array.from({ length: count }, (_, i) => ({ url: `https://files.misskey.example/img-${i}.png`, alt: `picture ${i}`, sensitive }));

/** Captures the JSON log lines so tests can look for warnings and leaked secrets. */
function capture(): { logger: Logger; lines: string[]; entries: () => Record<string, unknown>[] } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString());
      done();
    },
  });
  const logger = createLogger({ level: 'debug', pretty: false, destination });
  return { logger, lines, entries: () => lines.map((line) => JSON.parse(line) as Record<string, unknown>) };
}

const embedsTotal = (embeds: Record<string, unknown>[]) =>
  embeds.reduce((sum, embed) => {
    const e = embed as { title?: string; description?: string; footer?: { text: string }; author?: { name: string }; fields?: { name: string; value: string }[] };
    const fields = (e.fields ?? []).reduce((n, f) => n + f.name.length + f.value.length, 0);
    return sum + (e.title?.length ?? 0) + (e.description?.length ?? 0) + (e.footer?.text.length ?? 0) + (e.author?.name.length ?? 0) + fields;
  }, 0);

const expectRetry = (verdict: Verdict) => {
  expect(verdict.kind).toBe('retry');
  return verdict as Extract<Verdict, { kind: 'retry' }>;
};
const expectFailed = (verdict: Verdict) => {
  expect(verdict.kind).toBe('failed');
  return verdict as Extract<Verdict, { kind: 'failed' }>;
};

// ---- fixture -----------------------------------------------------------------------------------

let fake: DiscordFake;
let log: ReturnType<typeof capture>;
const sinks: Sink[] = [];
const secrets: string[] = [];

async function restartFake(options: DiscordFakeOptions): Promise<void> {
  await fake.close();
  fake = await startDiscordFake(options);
}

beforeEach(async () => {
  fake = await startDiscordFake();
  log = capture();
  secrets.length = 0;
});

afterEach(async () => {
  await Promise.all(sinks.splice(0).map((sink) => sink.close()));
  await fake.close();
  // whatever happened in the test, no token reached a log line
  for (const secret of secrets) expect(log.lines.join('\n')).not.toContain(secret);
});

function makeSink(config: Record<string, unknown>, tuning?: DiscordSinkTuning, logger = log.logger): Sink {
  const sink = createDiscordSink('discord-test', discordSinkConfig.parse({ type: 'discord', ...config }), { logger }, tuning);
  sinks.push(sink);
  return sink;
}

function webhookSink(config: Record<string, unknown> = {}, tuning?: DiscordSinkTuning) {
  const hook = fake.addWebhook(config.channelId ? { channelId: config.channelId as string } : {});
  secrets.push(hook.token);
  const rest = { ...config };
  delete rest.channelId;
  return { hook, sink: makeSink({ webhookUrl: hook.url, ...rest }, tuning) };
}

function botSink(config: Record<string, unknown> = {}, tuning?: DiscordSinkTuning) {
  const bot = fake.addBot();
  secrets.push(bot.token);
  const channel = fake.addChannel();
  return { bot, channel, sink: makeSink({ botToken: bot.token, channelId: channel.id, apiBase: fake.url, ...config }, tuning) };
}

const only = (): FakeMessage => {
  expect(fake.messages).toHaveLength(1);
  return fake.messages[0] as FakeMessage;
};

// ---- webhook mode ------------------------------------------------------------------------------

describe('Discord sink, webhook mode', () => {
  it('checks the webhook at start and posts one embed per message, exactly the body build() shows', async () => {
    const { sink, hook } = webhookSink();
    expect(sink.lane).toBe(`discord:webhook:${hook.id}`);
    expect(sink.maxBatch).toBe(MAX_EMBEDS);
    await sink.start();
    const d = delivery(message({ title: '**Alice** posted', footer: 'misskey.example', fields: [{ name: 'Visibility', value: 'public', inline: true }] }));
    // a message nothing will reply to or edit: no ?wait=true, so Discord answers 204 without the id
    const verdict = await sink.send(d);
    expect(verdict.kind).toBe('delivered');
    const sent = only();
    expect(verdict).toMatchObject({ ref: undefined });
    const kept = await sink.send({ ...d, key: 'kept', needsRef: true });
    expect(kept).toMatchObject({ kind: 'delivered', message: { platform: 'discord', channel: hook.channelId } });
    expect(sent.body).toEqual(JSON.parse(JSON.stringify(sink.build(d))));
    expect(sent.via).toBe('webhook');
    expect(sent.channelId).toBe(hook.channelId);
    expect(sent.embeds).toEqual([
      {
        author: { name: 'Alice', url: 'https://misskey.example/@alice', icon_url: 'https://misskey.example/avatar/alice.png' },
        title: '**Alice** posted',
        url: 'https://misskey.example/notes/9abc',
        description: 'Hello from **Misskey**',
        fields: [{ name: 'Visibility', value: 'public', inline: true }],
        footer: { text: 'misskey.example' },
        timestamp: '2025-05-01T12:00:00.000Z',
        color: 0x86b300,
      },
    ]);
    expect(sent.username).toBe('Alice');
    expect(sent.avatarUrl).toBe('https://misskey.example/avatar/alice.png');
    expect(sent.allowedMentions).toEqual({ parse: [], users: [], roles: [] });
    expect(sink.health()).toEqual({ ok: true });
  });

  it('takes the API base from the webhook URL (with /v10 and ?thread_id) and posts into the thread', async () => {
    const hook = fake.addWebhook();
    secrets.push(hook.token);
    const thread = fake.addThread(hook.channelId);
    const url = `${fake.url}/api/v10/webhooks/${hook.id}/${hook.token}?thread_id=${thread.id}`;
    const sink = makeSink({ webhookUrl: url });
    await sink.start();
    expect((await sink.send(delivery(message()))).kind).toBe('delivered');
    expect(only().channelId).toBe(thread.id);
  });

  it('posts into the configured threadId', async () => {
    const hook = fake.addWebhook();
    secrets.push(hook.token);
    const thread = fake.addThread(hook.channelId);
    const sink = makeSink({ webhookUrl: hook.url, threadId: thread.id });
    expect((await sink.send(delivery(message()))).kind).toBe('delivered');
    expect(only().channelId).toBe(thread.id);
  });

  it('uses the configured username and avatar over the author, and makes a "Discord" name acceptable', async () => {
    const { sink } = webhookSink({ username: 'Misskey Discord Relay (clyde)', avatarUrl: 'https://bridge.example/icon.png' });
    expect((await sink.send(delivery(message()))).kind).toBe('delivered');
    const sent = only();
    expect(sent.username).not.toMatch(/discord|clyde/i);
    expect(sent.username?.replace(/\u200b/g, '')).toBe('Misskey Discord Relay (clyde)');
    expect(sent.avatarUrl).toBe('https://bridge.example/icon.png');
  });

  it('makes an author called "Discord Fan" or "here" acceptable as username', async () => {
    const { sink } = webhookSink();
    expect((await sink.send(delivery(message({ author: { name: 'Discord Fan' } })))).kind).toBe('delivered');
    expect((await sink.send(delivery(message({ author: { name: 'here' } })))).kind).toBe('delivered');
    expect(fake.messages.map((m) => m.username?.replace(/\u200b/g, ''))).toEqual(['Discord Fan', 'here']);
  });

  it('leaves the webhook its own name when a digest has several authors', async () => {
    const { sink } = webhookSink();
    const verdict = await sink.send(delivery(message(), message({ author: { name: 'Bob' } })));
    expect(verdict.kind).toBe('delivered');
    expect(only().username).toBeUndefined();
    expect(only().avatarUrl).toBeUndefined();
  });
});

// ---- bot mode ----------------------------------------------------------------------------------

describe('Discord sink, bot mode', () => {
  it('checks the channel, posts as the bot with a nonce, and the body is build()', async () => {
    const { sink, channel } = botSink();
    expect(sink.lane).toBe(`discord:channel:${channel.id}`);
    await sink.start();
    const d = delivery(message());
    expect((await sink.send(d)).kind).toBe('delivered');
    const sent = only();
    expect(sent.via).toBe('bot');
    expect(sent.channelId).toBe(channel.id);
    expect(sent.body).toEqual(JSON.parse(JSON.stringify(sink.build(d))));
    const body = sink.build(d) as DiscordBody;
    expect(body.username).toBeUndefined();
    expect(body.enforce_nonce).toBe(true);
    expect(body.nonce?.length).toBeLessThanOrEqual(MAX_NONCE);
    expect(sent.allowedMentions).toEqual({ parse: [], users: [], roles: [] });
  });

  it('does not post twice when a delivery is retried: the nonce is the same and Discord returns the first message', async () => {
    const { sink } = botSink();
    const d = delivery(message());
    const first = await sink.send(d);
    const again = await sink.send({ key: d.key, messages: d.messages });
    expect(first.kind).toBe('delivered');
    expect(again).toEqual(first);
    expect(fake.messages).toHaveLength(1);
    expect((await sink.send(delivery(message()))).kind).toBe('delivered');
    expect(fake.messages).toHaveLength(2);
  });

  it('posts into a thread channel when threadId is set', async () => {
    const bot = fake.addBot();
    secrets.push(bot.token);
    const channel = fake.addChannel();
    const thread = fake.addThread(channel.id);
    const sink = makeSink({ botToken: `Bot ${bot.token}`, channelId: channel.id, threadId: thread.id, apiBase: `${fake.url}/api/v10` });
    expect(sink.lane).toBe(`discord:channel:${thread.id}`);
    await sink.start();
    expect((await sink.send(delivery(message()))).kind).toBe('delivered');
    expect(only().channelId).toBe(thread.id);
  });

  it('after a 401 sends again once the token is accepted again (discord.js forgets it after a 401)', async () => {
    const { sink, bot } = botSink();
    fake.revokeBotToken(bot.token);
    const refused = expectFailed(await sink.send(delivery(message())));
    expect(refused.sinkBroken).toBe(true);
    expect(refused.reason).toContain('bot token');
    expect(sink.health()).toMatchObject({ ok: false });
    fake.restoreBotToken(bot.token);
    expect((await sink.send(delivery(message()))).kind).toBe('delivered');
    expect(sink.health()).toEqual({ ok: true });
  });
});

// ---- threads ----------------------------------------------------------------------------------

describe('Discord sink, bot threads', () => {
  const sentRef = (verdict: Verdict) => {
    expect(verdict.kind).toBe('delivered');
    return (verdict as Extract<Verdict, { kind: 'delivered' }>).message!;
  };

  it('names the thread after the topic, cut to 100 characters, "Replies" without one', () => {
    expect(threadName('  What\nshould   we call it?  ')).toBe('What should we call it?');
    const long = threadName('é'.repeat(150));
    expect([...long]).toHaveLength(100);
    expect(long.endsWith('…')).toBe(true);
    expect(threadName(undefined)).toBe('Replies');
    expect(threadName(' \n ')).toBe('Replies');
  });

  it('starts a thread from the parent, posts into it and reports the parent with its thread', async () => {
    const { sink, channel } = botSink();
    const parent = sentRef(await sink.send({ ...delivery(message()), needsRef: true }));
    const verdict = await sink.send({ ...delivery(message({ text: 'the reply' })), thread: parent, topic: 'x'.repeat(300), needsRef: true });
    const reply = sentRef(verdict);
    expect(fake.threads).toHaveLength(1);
    expect(fake.threads[0]).toMatchObject({ id: parent.id, parentId: channel.id, autoArchiveMinutes: 4320 });
    expect([...fake.threads[0]!.name]).toHaveLength(100);
    expect(reply).toMatchObject({ channel: parent.id, thread: parent.id });
    expect(verdict).toMatchObject({ answered: { ...parent, thread: parent.id } });
    // a reply to the reply: into the same thread, quoting it; no second thread
    const again = await sink.send({ ...delivery(message({ text: 'reply to the reply' })), thread: reply, needsRef: true });
    expect(sentRef(again)).toMatchObject({ channel: parent.id, thread: parent.id });
    expect(again).not.toHaveProperty('answered');
    expect(fake.messages.at(-1)).toMatchObject({ channelId: parent.id, referenceId: reply.id });
    expect(fake.requests.filter((r) => r.route === 'message-thread')).toHaveLength(1);
  });

  it('a send retried after its thread was made finds that thread (160004)', async () => {
    const { sink } = botSink();
    const parent = sentRef(await sink.send({ ...delivery(message()), needsRef: true }));
    fake.inject({ kind: 'status', status: 500, route: 'channel-messages' });
    const d = { ...delivery(message({ text: 'retried reply' })), thread: parent, needsRef: true };
    expect((await sink.send(d)).kind).toBe('retry');
    expect(sentRef(await sink.send(d))).toMatchObject({ channel: parent.id });
    expect(fake.requests.filter((r) => r.route === 'message-thread').map((r) => r.status)).toEqual([201, 400]);
    expect(fake.messages.map((m) => m.channelId)).toEqual([parent.channel, parent.id]);
  });

  it('a 429 on starting the thread is a rate-limited retry', async () => {
    const { sink } = botSink();
    const parent = sentRef(await sink.send({ ...delivery(message()), needsRef: true }));
    fake.inject({ kind: 'rate-limit', retryAfterSec: 2, route: 'message-thread' });
    const verdict = expectRetry(await sink.send({ ...delivery(message()), thread: parent }));
    expect(verdict).toMatchObject({ rateLimited: true });
    expect(fake.messages).toHaveLength(1);
  });

  it('without the permission replies with message_reference, and does not ask again for a while', async () => {
    const bot = fake.addBot({ threads: false });
    secrets.push(bot.token);
    const channel = fake.addChannel();
    const sink = makeSink({ botToken: bot.token, channelId: channel.id, apiBase: fake.url });
    const parent = sentRef(await sink.send({ ...delivery(message()), needsRef: true }));
    for (const text of ['one', 'two']) {
      const verdict = await sink.send({ ...delivery(message({ text })), thread: parent, needsRef: true });
      expect(sentRef(verdict)).toMatchObject({ channel: channel.id });
      expect(verdict).not.toHaveProperty('answered');
    }
    expect(fake.messages.map((m) => m.referenceId)).toEqual([undefined, parent.id, parent.id]);
    expect(fake.requests.filter((r) => r.route === 'message-thread').map((r) => r.status)).toEqual([403]);
    expect(log.entries().some((entry) => String(entry.msg).includes('Create Public Threads'))).toBe(true);
  });

  it.each([
    ['deleted (10003)', (id: string) => fake.deleteChannel(id)],
    ['closed to the bot (50013)', (id: string) => fake.setAccess(id, 'view-only')],
  ])('a conversation thread %s: the reply goes to the channel, quoting its parent, and the sink keeps working', async (_name, close) => {
    const { sink, channel } = botSink();
    const parent = sentRef(await sink.send({ ...delivery(message()), needsRef: true }));
    const first = sentRef(await sink.send({ ...delivery(message({ text: 'in the thread' })), thread: parent, needsRef: true }));
    close(first.thread!);
    const verdict = await sink.send({ ...delivery(message({ text: 'after' })), thread: { ...parent, thread: first.thread! }, needsRef: true });
    expect(sentRef(verdict)).toEqual({ platform: 'discord', id: fake.messages.at(-1)!.id, channel: channel.id });
    expect(verdict).not.toHaveProperty('answered');
    expect(fake.messages.at(-1)).toMatchObject({ channelId: channel.id, referenceId: parent.id });
    expect(sink.health()).toEqual({ ok: true });
  });

  it('a sink posting into a configured thread replies with message_reference (no thread in a thread)', async () => {
    const bot = fake.addBot();
    secrets.push(bot.token);
    const channel = fake.addChannel();
    const thread = fake.addThread(channel.id);
    const sink = makeSink({ botToken: bot.token, channelId: channel.id, threadId: thread.id, apiBase: fake.url });
    const parent = sentRef(await sink.send({ ...delivery(message()), needsRef: true }));
    await sink.send({ ...delivery(message({ text: 'reply' })), thread: parent });
    expect(fake.messages.map((m) => [m.channelId, m.referenceId])).toEqual([
      [thread.id, undefined],
      [thread.id, parent.id],
    ]);
    expect(fake.requests.filter((r) => r.route === 'message-thread')).toHaveLength(0);
  });

  it('a webhook never starts threads: the reply links its parent', async () => {
    const { sink } = webhookSink();
    await sink.start();
    const parent = sentRef(await sink.send({ ...delivery(message()), needsRef: true }));
    await sink.send({ ...delivery(message()), thread: parent, topic: 'ignored' });
    expect(fake.messages[1]!.content).toMatch(/^↪ in reply to https:\/\/discord\.com\/channels\/\d+\/\d+\/\d+$/);
    expect(fake.requests.filter((r) => r.route === 'message-thread')).toHaveLength(0);
  });
});

// ---- what reaches Discord ----------------------------------------------------------------------

describe('Discord sink, content', () => {
  const hostile =
    '@everyone look <@123456789012345678> and <@&234567890123456789> \\*\\*not bold\\*\\* \\|\\|not hidden\\|\\| [site](<https://evil.example/x>) \\<@345678901234567890>';

  it('relays already-escaped hostile text as is and nobody is notified', async () => {
    const { sink } = webhookSink();
    expect((await sink.send(delivery(message({ text: hostile, title: '@here <@123456789012345678>' })))).kind).toBe('delivered');
    const sent = only();
    expect((sent.embeds[0] as { description: string }).description).toBe(hostile);
    expect(sent.allowedMentions).toEqual({ parse: [], users: [], roles: [] });
    expect(sent.pinged).toEqual({ users: [], roles: [], everyone: false });
  });

  it('in suppressEmbeds mode the text goes to content, flag 4, and still nobody is notified', async () => {
    const { sink } = botSink({ suppressEmbeds: true });
    expect((await sink.send(delivery(message({ text: hostile })))).kind).toBe('delivered');
    const sent = only();
    expect(sent.flags).toBe(4);
    expect(sent.embeds).toEqual([]);
    expect(sent.content).toContain(hostile);
    expect(sent.content).toContain('<https://misskey.example/notes/9abc>');
    expect(sent.pinged).toEqual({ users: [], roles: [], everyone: false });
  });

  it('with allowMentions the users and roles in content are notified, never @everyone', async () => {
    const { sink } = botSink({ suppressEmbeds: true, allowMentions: true });
    expect((await sink.send(delivery(message({ text: hostile })))).kind).toBe('delivered');
    expect(only().pinged).toEqual({ users: ['123456789012345678'], roles: ['234567890123456789'], everyone: false });
  });

  it('never embeds a sensitive image: it becomes a spoilered link', async () => {
    const { sink } = webhookSink();
    const pictures = [
      { url: 'https://files.misskey.example/nsfw.png', alt: 'hidden one', sensitive: true },
      { url: 'https://files.misskey.example/cat.png', alt: 'a cat', sensitive: false },
      { url: 'https://files.misskey.example/nsfw2.png', alt: '', sensitive: true },
    ];
    expect((await sink.send(delivery(message({ images: pictures })))).kind).toBe('delivered');
    const embeds = only().embeds as { image?: { url: string }; description?: string }[];
    expect(embeds.map((e) => e.image?.url)).toEqual(['https://files.misskey.example/cat.png']);
    expect(JSON.stringify(embeds)).not.toMatch(/"image":\{"url":"[^"]*nsfw/);
    expect(embeds[0]?.description).toContain('||[hidden one](<https://files.misskey.example/nsfw.png>)||');
    expect(embeds[0]?.description).toContain('||[sensitive image 2](<https://files.misskey.example/nsfw2.png>)||');
  });

  it('puts further images in gallery embeds sharing the note URL', async () => {
    const { sink } = webhookSink();
    expect((await sink.send(delivery(message({ images: images(3) })))).kind).toBe('delivered');
    const embeds = only().embeds as { url?: string; image?: { url: string } }[];
    expect(embeds).toHaveLength(3);
    expect(embeds.map((e) => e.url)).toEqual(Array(3).fill('https://misskey.example/notes/9abc'));
    expect(embeds.map((e) => e.image?.url)).toEqual(images(3).map((i) => i.url));
  });
});

// ---- limits ------------------------------------------------------------------------------------

describe('Discord sink, limits (every body accepted by the validating fake)', () => {
  it('shortens an oversize description and logs which field', async () => {
    const { sink } = webhookSink();
    const long = Array.from({ length: 2000 }, (_, i) => `word${i}`).join(' ');
    expect((await sink.send(delivery(message({ text: long })))).kind).toBe('delivered');
    const description = (only().embeds[0] as { description: string }).description;
    expect(description.length).toBeLessThanOrEqual(MAX_EMBED_DESCRIPTION);
    expect(description.endsWith('…')).toBe(true);
    const warning = log.entries().find((entry) => entry.msg === 'Discord message shortened to fit the platform limits');
    expect(warning?.shortened).toEqual([{ field: 'embeds[0].description', from: long.length, to: description.length }]);
  });

  it('30 images: ten embeds, the rest linked under the text', async () => {
    const { sink } = webhookSink();
    expect((await sink.send(delivery(message({ images: images(30) })))).kind).toBe('delivered');
    const embeds = only().embeds as { description?: string; image?: { url: string } }[];
    expect(embeds).toHaveLength(MAX_EMBEDS);
    expect(embeds[0]?.description).toContain('[picture 10](<https://files.misskey.example/img-10.png>)');
  });

  it('40 long fields: 25 kept, all within 6000 characters', async () => {
    const { sink } = webhookSink();
    const fields = Array.from({ length: 40 }, (_, i) => ({ name: `field ${i} ${'n'.repeat(300)}`, value: 'v'.repeat(2000), inline: false }));
    expect((await sink.send(delivery(message({ fields })))).kind).toBe('delivered');
    const embeds = only().embeds;
    expect((embeds[0] as { fields: unknown[] }).fields).toHaveLength(25);
    expect(embedsTotal(embeds)).toBeLessThanOrEqual(MAX_EMBEDS_TOTAL);
  });

  it('a digest of 10 big messages keeps every message, in order, within 6000 characters', async () => {
    const { sink } = webhookSink();
    const big = Array.from({ length: 10 }, (_, i) =>
      message({
        text: `Message ${i} ${'lorem ipsum '.repeat(400)}`,
        title: `Title ${i}`,
        footer: 'f'.repeat(3000),
        images: images(3),
        fields: [{ name: 'k', value: 'v'.repeat(900), inline: true }],
      }),
    );
    expect((await sink.send(delivery(...big))).kind).toBe('delivered');
    const embeds = only().embeds as { title?: string; description?: string }[];
    expect(embeds).toHaveLength(MAX_EMBEDS);
    expect(embeds.map((e) => e.title)).toEqual(big.map((_, i) => `Title ${i}`));
    embeds.forEach((e, i) => expect(e.description).toMatch(new RegExp(`^Message ${i} `)));
    expect(embedsTotal(embeds)).toBeLessThanOrEqual(MAX_EMBEDS_TOTAL);
  });

  it('a digest of 10 big messages in suppressEmbeds mode fits in 2000 characters of content', async () => {
    const { sink } = webhookSink({ suppressEmbeds: true });
    const big = Array.from({ length: 10 }, (_, i) => message({ text: `Message ${i} ${'lorem ipsum '.repeat(400)}`, images: images(2, i % 2 === 0) }));
    expect((await sink.send(delivery(...big))).kind).toBe('delivered');
    const content = only().content;
    expect(content.length).toBeLessThanOrEqual(2000);
    big.forEach((_, i) => expect(content).toContain(`Message ${i} `));
  });
});

// ---- errors → verdicts -------------------------------------------------------------------------

describe('Discord sink, errors', () => {
  it.each([
    [500, 'retry'],
    [502, 'retry'],
    [503, 'retry'],
  ])('%i → %s', async (status, kind) => {
    const { sink } = webhookSink();
    fake.inject({ kind: 'status', status });
    expect((await sink.send(delivery(message()))).kind).toBe(kind);
    expect(sink.health()).toEqual({ ok: true });
  });

  it.each([
    [50035, false],
    [50006, false],
    [40005, false],
    [50109, false],
  ])('webhook error %i → failed, not broken', async (code) => {
    const { sink } = webhookSink();
    fake.inject({ kind: 'error', code });
    const verdict = expectFailed(await sink.send(delivery(message())));
    expect(verdict.sinkBroken).toBe(false);
    expect(verdict.reason).toContain(String(code));
    expect(sink.health()).toEqual({ ok: true });
  });

  it('logs the field errors of a 50035', async () => {
    const { sink } = webhookSink();
    const errors = { embeds: { '0': { description: { _errors: [{ code: 'BASE_TYPE_MAX_LENGTH', message: 'Must be 4096 or fewer in length.' }] } } } };
    fake.inject({ kind: 'status', status: 400, body: { message: 'Invalid Form Body', code: 50035, errors } });
    const verdict = expectFailed(await sink.send(delivery(message())));
    expect(verdict.reason).toContain('embeds[0].description[BASE_TYPE_MAX_LENGTH]: Must be 4096 or fewer in length.');
    expect(log.entries().find((entry) => entry.code === 50035)?.errors).toEqual(errors);
  });

  it('a deleted webhook (10015) breaks the sink for good', async () => {
    const { sink, hook } = webhookSink();
    fake.deleteWebhook(hook.id);
    const verdict = expectFailed(await sink.send(delivery(message())));
    expect(verdict.sinkBroken).toBe(true);
    const reason = `Discord webhook ${hook.id} was deleted (10015 Unknown Webhook): create a new webhook and update sinks.discord-test.webhookUrl`;
    expect(verdict.reason).toBe(reason);
    expect(sink.health()).toEqual({ ok: false, reason });
    expect(log.entries().some((entry) => entry.level === 50 && entry.msg === reason)).toBe(true);
    // a deleted webhook is not called again: Discord restricts clients that keep doing so
    const requests = fake.stats.requests;
    expect(await sink.send(delivery(message()))).toEqual({ kind: 'failed', reason, sinkBroken: true });
    expect(fake.stats.requests).toBe(requests);
    expect(sink.health()).toEqual({ ok: false, reason });
  });

  it('a wrong webhook token (50027) breaks the sink until a send works again', async () => {
    const { sink } = webhookSink();
    fake.inject({ kind: 'error', code: 50027 });
    const verdict = expectFailed(await sink.send(delivery(message())));
    expect(verdict).toMatchObject({ sinkBroken: true });
    expect(verdict.reason).toContain('copy the webhook URL again into sinks.discord-test.webhookUrl');
    expect(sink.health().ok).toBe(false);
    expect((await sink.send(delivery(message()))).kind).toBe('delivered');
    expect(sink.health()).toEqual({ ok: true });
  });

  it('an unknown thread (10003) in webhook mode breaks the sink', async () => {
    const hook = fake.addWebhook();
    secrets.push(hook.token);
    const sink = makeSink({ webhookUrl: hook.url, threadId: '123456789012345678' });
    const verdict = expectFailed(await sink.send(delivery(message())));
    expect(verdict.sinkBroken).toBe(true);
    expect(verdict.reason).toContain('thread 123456789012345678');
    expect(verdict.reason).toContain('sinks.discord-test.threadId');
  });

  it('a forum channel without thread (220001) breaks the sink and says to set threadId', async () => {
    const forum = fake.addChannel({ type: 15 });
    const { sink } = webhookSink({ channelId: forum.id });
    const verdict = expectFailed(await sink.send(delivery(message())));
    expect(verdict).toMatchObject({ sinkBroken: true });
    expect(verdict.reason).toContain('sinks.discord-test.threadId');
  });

  it.each([
    ['missing access', 'none', 50001, 'View Channel'],
    ['missing permissions', 'view-only', 50013, 'Send Messages'],
  ] as const)('bot %s (%s → %i) breaks the sink with what to grant', async (_, access, code, advice) => {
    const { sink, channel } = botSink();
    fake.setAccess(channel.id, access);
    const verdict = expectFailed(await sink.send(delivery(message())));
    expect(verdict.sinkBroken).toBe(true);
    expect(verdict.reason).toContain(String(code));
    expect(verdict.reason).toContain(advice);
    fake.setAccess(channel.id, 'full');
    expect((await sink.send(delivery(message()))).kind).toBe('delivered');
    expect(sink.health()).toEqual({ ok: true });
  });

  it('a deleted channel (10003) in bot mode breaks the sink', async () => {
    const { sink, channel } = botSink();
    fake.deleteChannel(channel.id);
    const verdict = expectFailed(await sink.send(delivery(message())));
    expect(verdict.sinkBroken).toBe(true);
    expect(verdict.reason).toContain(`channel ${channel.id} was not found (10003 Unknown Channel)`);
  });

  it('a 429 with Retry-After → retry after that delay, rate limited', async () => {
    const { sink } = webhookSink();
    fake.inject({ kind: 'rate-limit', retryAfterSec: 1.5 });
    const verdict = expectRetry(await sink.send(delivery(message())));
    expect(verdict.rateLimited).toBe(true);
    expect(verdict.afterMs).toBe(1500);
    expect(verdict.pace).toEqual({ remaining: 0, resetAfterMs: 1500 });
    expect(fake.stats.tooManyRequests).toBe(1);
  });

  it.each(['global', 'shared'] as const)('a %s 429 → retry, rate limited', async (scope) => {
    const { sink } = botSink();
    fake.inject({ kind: 'rate-limit', retryAfterSec: 0.25, scope });
    const verdict = expectRetry(await sink.send(delivery(message())));
    expect(verdict).toMatchObject({ rateLimited: true, afterMs: 250 });
    expect(verdict.reason).toContain(scope);
  });

  it('no answer within the timeout → retry', async () => {
    const { sink } = webhookSink({}, { timeoutMs: 100 });
    fake.inject({ kind: 'latency', ms: 400 });
    const verdict = expectRetry(await sink.send(delivery(message())));
    expect(verdict.reason).toContain('did not answer within 100 ms');
  });

  it('a reset connection → retry', async () => {
    const { sink } = webhookSink();
    fake.inject({ kind: 'reset' });
    expect(expectRetry(await sink.send(delivery(message()))).reason).toMatch(/^network error/);
  });

  it('Discord unreachable → retry', async () => {
    const { sink } = webhookSink();
    await fake.close();
    fake = await startDiscordFake();
    expect(expectRetry(await sink.send(delivery(message()))).reason).toMatch(/^network error/);
  });
});

// ---- start-up checks ---------------------------------------------------------------------------

describe('Discord sink, start()', () => {
  it('refuses a deleted webhook and a wrong token with what to fix', async () => {
    const { sink, hook } = webhookSink();
    fake.deleteWebhook(hook.id);
    await expect(sink.start()).rejects.toThrow(`Discord webhook ${hook.id} was deleted`);
    expect(sink.health().ok).toBe(false);

    const other = fake.addWebhook();
    secrets.push(other.token);
    const wrong = makeSink({ webhookUrl: `${fake.url}/api/webhooks/${other.id}/${'x'.repeat(68)}` });
    await expect(wrong.start()).rejects.toThrow('Invalid Webhook Token');
  });

  it('refuses a bad bot token, an unknown channel, a forum without thread and a foreign thread', async () => {
    const { bot, channel } = botSink();
    await expect(makeSink({ botToken: 'nope', channelId: channel.id, apiBase: fake.url }).start()).rejects.toThrow('bot token');
    await expect(makeSink({ botToken: bot.token, channelId: '123456789012345678', apiBase: fake.url }).start()).rejects.toThrow('10003');
    const forum = fake.addChannel({ type: 15 });
    await expect(makeSink({ botToken: bot.token, channelId: forum.id, apiBase: fake.url }).start()).rejects.toThrow('is a forum');
    const elsewhere = fake.addThread(fake.addChannel().id);
    await expect(makeSink({ botToken: bot.token, channelId: channel.id, threadId: elsewhere.id, apiBase: fake.url }).start()).rejects.toThrow(
      'is not a thread of channel',
    );
    fake.setAccess(channel.id, 'none');
    await expect(makeSink({ botToken: bot.token, channelId: channel.id, apiBase: fake.url }).start()).rejects.toThrow('50001 Missing Access');
  });

  it('carries on when Discord cannot be reached at start: sends will retry', async () => {
    const { sink } = webhookSink();
    fake.inject({ kind: 'status', status: 503 });
    await expect(sink.start()).resolves.toBeUndefined();
    expect(sink.health()).toEqual({ ok: true });
  });
});

// ---- rate limits and pace ----------------------------------------------------------------------

describe('Discord sink, rate limits', () => {
  it('reports the pace from the rate-limit headers', async () => {
    await restartFake({ rateLimits: { webhook: true } });
    const { sink } = webhookSink();
    const verdict = await sink.send(delivery(message()));
    expect(verdict.kind).toBe('delivered');
    const pace = (verdict as Extract<Verdict, { kind: 'delivered' }>).pace;
    expect(pace?.remaining).toBe(4);
    expect(pace?.resetAfterMs).toBeGreaterThan(1500);
    expect(pace?.resetAfterMs).toBeLessThanOrEqual(2000);
  });

  it('tells a 429 from Discord apart from discord.js waiting on an empty bucket', async () => {
    await restartFake({ rateLimits: { webhook: { limit: 2, windowMs: 60_000 } } });
    const { sink, hook } = webhookSink();
    expect((await sink.send(delivery(message()))).kind).toBe('delivered');
    const last = await sink.send(delivery(message()));
    expect(last).toMatchObject({ kind: 'delivered', pace: { remaining: 0 } });

    const preemptive = expectRetry(await sink.send(delivery(message())));
    expect(preemptive.rateLimited).toBe(false);
    expect(preemptive.afterMs).toBeGreaterThan(50_000);
    expect(fake.stats.tooManyRequests).toBe(0);

    // a second process on the same webhook knows nothing of the bucket: Discord answers 429
    const other = makeSink({ webhookUrl: hook.url });
    const limited = expectRetry(await other.send(delivery(message())));
    expect(limited.rateLimited).toBe(true);
    expect(limited.afterMs).toBeGreaterThan(50_000);
    expect(fake.stats.tooManyRequests).toBe(1);
  });

  it('the hidden per-channel limit (shared scope, no warning) → retry, rate limited', async () => {
    await restartFake({ rateLimits: { channelShared: { limit: 2, windowMs: 30_000 } } });
    const { sink } = webhookSink();
    await sink.send(delivery(message()));
    await sink.send(delivery(message()));
    const verdict = expectRetry(await sink.send(delivery(message())));
    expect(verdict.rateLimited).toBe(true);
    expect(verdict.reason).toContain('shared');
    expect(fake.stats.invalidRequests).toBe(0);
  });

  it('a lane that follows the verdicts sends a burst under 5 per 2 s without a single 429', async () => {
    await restartFake({ rateLimits: 'discord', timeScale: 0.1 });
    const { sink } = webhookSink();
    const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
    let delivered = 0;
    while (delivered < 20) {
      const verdict = await sink.send(delivery(message({ text: `burst ${delivered}` })));
      if (verdict.kind === 'delivered') {
        delivered++;
        if (verdict.pace?.remaining === 0) await sleep(verdict.pace.resetAfterMs);
      } else if (verdict.kind === 'retry') await sleep(verdict.afterMs ?? 0);
      else throw new Error(verdict.reason);
    }
    expect(fake.messages.map((m) => (m.embeds[0] as { description: string }).description)).toEqual(
      Array.from({ length: 20 }, (_, i) => `burst ${i}`),
    );
    expect(fake.stats.tooManyRequests).toBe(0);
  });
});
