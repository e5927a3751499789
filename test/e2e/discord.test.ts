/**
 * The whole bridge against the fake Discord: webhook POST → ingest → store (SQLite in memory) → worker →
 * discord.js (WebhookClient / REST) → test/fakes/discord-fake.ts. The fake refuses what Discord
 * refuses, so a message that arrives is one Discord would have shown.
 */
import { sendTestCommand } from '../../src/commands/send-test';
import { eventually, startTestBridge, testConfig, type TestBridge } from '../helpers/bridge';
import {
  bridgeYaml,
  discordVisible,
  expectedSnippets,
  FAST_RETRY,
  HOSTILE,
  HOSTILE_TOKENS,
  hostileNote,
  LITERAL_IN_NOTE_TEXT,
  mentionNumber,
  missingTokens,
  postAll,
  postFixture,
  readyz,
  writeConfigFile,
  nextItem,
  onlyDeadLetter,
  startReadyBridge,
  standalone,
} from '../helpers/e2e';
import { allFixtures, fixture, withEventId } from '../helpers/fixtures';
import { startDiscordFake, type DiscordFake, type DiscordFakeOptions, type FakeMessage, type FakeWebhook } from '../fakes/discord-fake';

type Embed = { title?: string; description?: string; url?: string; author?: { name: string }; image?: unknown };

const embedsOf = (message: FakeMessage) => message.embeds as Embed[];
const NOBODY = { users: [], roles: [], everyone: false };
/** Sequences Discord would turn into a ping in `content` if allowed_mentions let it. */
const PINGABLE = [/@(everyone|here)/, /<@[!&]?\d{17,20}>/];

/** The one new message since `before`, once it arrived. */
const nextMessage = (fake: DiscordFake, before: number, timeoutMs?: number): Promise<FakeMessage> =>
  nextItem(() => fake.messages, before, timeoutMs);

describe('Discord end to end (HTTP in → queue → worker → discord.js → fake Discord)', () => {
  let fake: DiscordFake;
  let bridge: TestBridge | undefined;
  /** what the running test started, stopped in reverse order after it */
  const cleanups: (() => Promise<void>)[] = [];

  const startFake = async (options?: DiscordFakeOptions) => {
    fake = await startDiscordFake(options);
    const started = fake;
    cleanups.push(() => started.close());
    return fake;
  };

  const start = async (sinkYaml: string, options: { extra?: string; digestThreshold?: number } = {}) =>
    (bridge = await startReadyBridge({ discord: sinkYaml }, options, cleanups));

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    bridge = undefined;
  });

  describe('every shared fixture arrives as a valid message', () => {
    // one fake and one bridge for all fixtures (a bridge compiles every template when it starts)
    let shared: { fake: DiscordFake; bridge: TestBridge; hook: FakeWebhook };

    beforeAll(async () => {
      const sharedFake = await startDiscordFake();
      const hook = sharedFake.addWebhook();
      const sharedBridge = await startTestBridge(testConfig(bridgeYaml({ discord: `{ type: discord, webhookUrl: "${hook.url}" }` })), {
        worker: { digestThreshold: 0 },
      });
      shared = { fake: sharedFake, bridge: sharedBridge, hook };
      await eventually(async () => expect((await readyz(sharedBridge)).status).toBe(200));
    });

    afterAll(async () => {
      await shared.bridge.stop(1000);
      await shared.fake.close();
    });

    it.each(allFixtures().map((f) => [f.name, f] as const))('%s', async (_name, f) => {
      const before = shared.fake.messages.length;
      await postFixture(shared.bridge, standalone(f));
      const message = await nextMessage(shared.fake, before);
      expect(shared.fake.stats.rejected).toBe(0);
      expect(message.webhookId).toBe(shared.hook.id);
      expect(message.embeds.length).toBeGreaterThan(0);
      const json = JSON.stringify(message.body);
      for (const snippet of expectedSnippets(f)) expect(json).toContain(snippet);
      expect(message.allowedMentions).toEqual({ parse: [], users: [], roles: [] });
      expect(message.pinged).toEqual(NOBODY);
    });
  });

  describe('hostile text', () => {
    beforeEach(async () => {
      await startFake();
    });

    it('embeds: pings nobody and shows the CW, the text and the name as written', async () => {
      const hook = fake.addWebhook();
      await start(`{ type: discord, webhookUrl: "${hook.url}" }`);
      await bridge!.post('alice', hostileNote({ eventId: 'd15c0000-0000-4000-8000-000000000001', text: HOSTILE, cw: HOSTILE, name: HOSTILE }));
      const message = await nextMessage(fake, 0);

      expect(message.body.allowed_mentions).toEqual({ parse: [] });
      expect(message.allowedMentions).toEqual({ parse: [], users: [], roles: [] });
      expect(message.pinged).toEqual(NOBODY);
      expect(message.content).toBe('');

      const [embed] = embedsOf(message);
      const description = discordVisible(embed!.description ?? '');
      // the CW is plain text: every token shows; the text is MFM: all but Misskey's own markup shows
      const [cwLine, ...rest] = description.split('\n');
      expect(missingTokens(cwLine!, HOSTILE_TOKENS)).toEqual([]);
      expect(missingTokens(rest.join('\n'), LITERAL_IN_NOTE_TEXT)).toEqual([]);
      // the note text (under a CW) hides behind a spoiler
      expect(embed!.description).toMatch(/\n\|\|[\s\S]*\|\|\n/);
      // the author line and the webhook's name are plain text in Discord: the name shows as written
      const plainShown = (text: string) => text.replace(/\u200b/g, '');
      expect(missingTokens(plainShown(embed!.author!.name), HOSTILE_TOKENS)).toEqual([]);
      const username = plainShown(message.username ?? '');
      expect(username.endsWith('…')).toBe(true);
      expect(HOSTILE.startsWith(username.slice(0, -1).trimEnd())).toBe(true);
    });

    it('plain content (suppressEmbeds): no pingable sequence survives and the text shows as written', async () => {
      const hook = fake.addWebhook();
      await start(`{ type: discord, webhookUrl: "${hook.url}", suppressEmbeds: true }`);
      await bridge!.post('alice', hostileNote({ eventId: 'd15c0000-0000-4000-8000-000000000002', text: HOSTILE, cw: HOSTILE, name: HOSTILE }));
      const message = await nextMessage(fake, 0);

      expect(message.embeds).toEqual([]);
      expect(message.flags & 4).toBe(4); // SUPPRESS_EMBEDS
      expect(message.allowedMentions).toEqual({ parse: [], users: [], roles: [] });
      expect(message.pinged).toEqual(NOBODY);
      for (const pattern of PINGABLE) expect(message.content).not.toMatch(pattern);
      const visible = discordVisible(message.content);
      expect(missingTokens(visible, LITERAL_IN_NOTE_TEXT)).toEqual([]);
    });

    it('bot messages (whose default would ping everyone) carry parse: [] too', async () => {
      const bot = fake.addBot();
      const channel = fake.addChannel();
      await start(`{ type: discord, botToken: "${bot.token}", channelId: "${channel.id}", apiBase: "${fake.url}", suppressEmbeds: true }`);
      await bridge!.post('alice', hostileNote({ eventId: 'd15c0000-0000-4000-8000-000000000003', text: HOSTILE, name: HOSTILE }));
      const message = await nextMessage(fake, 0);
      expect(message.via).toBe('bot');
      expect(message.allowedMentions).toEqual({ parse: [], users: [], roles: [] });
      expect(message.pinged).toEqual(NOBODY);
      for (const pattern of PINGABLE) expect(message.content).not.toMatch(pattern);
    });

    it.each([
      ['note', 'note.basic.json', 'posted a note'],
      ['mention', 'mention.local.json', 'mentioned you'],
    ])('a display name with markup shows as written in the %s title', async (_type, file, suffix) => {
      const hook = fake.addWebhook();
      await start(`{ type: discord, webhookUrl: "${hook.url}" }`);
      const name = "O'Brien **md** <@&123456789012345678> a=b &amp;";
      const body = structuredClone(withEventId(fixture(file).body, `title-${file}`));
      (body.body as { note: { user: { name: string } } }).note.user.name = name;
      await bridge!.post('alice', body);
      const [embed] = embedsOf(await nextMessage(fake, 0));
      expect(discordVisible(embed!.title ?? '')).toBe(`${name} ${suffix}`);
    });
  });

  describe('modes', () => {
    beforeEach(async () => {
      await startFake();
    });

    it('webhook URL: posts through the webhook under the author’s name', async () => {
      const hook = fake.addWebhook({ name: 'Misskey' });
      await start(`{ type: discord, webhookUrl: "${hook.url}" }`);
      await postFixture(bridge!, fixture('mention.local.json'));
      const message = await nextMessage(fake, 0);
      expect(message).toMatchObject({ via: 'webhook', webhookId: hook.id, channelId: hook.channelId, username: 'Bob (@bob)' });
      expect(embedsOf(message)[0]!.url).toBe('https://misskey.example/notes/a8zj5twr14');
    });

    it('bot token + channel: posts as the bot with an idempotency nonce', async () => {
      const bot = fake.addBot();
      const channel = fake.addChannel({ name: 'misskey' });
      await start(`{ type: discord, botToken: "${bot.token}", channelId: "${channel.id}", apiBase: "${fake.url}" }`);
      await postFixture(bridge!, fixture('mention.local.json'));
      const message = await nextMessage(fake, 0);
      expect(message).toMatchObject({ via: 'bot', channelId: channel.id });
      expect(message.nonce).toEqual(expect.any(String));
      expect(message.body.enforce_nonce).toBe(true);
      expect(message.username).toBeUndefined();
    });

    it('webhook into a thread (threadId)', async () => {
      const hook = fake.addWebhook();
      const thread = fake.addThread(hook.channelId, { name: 'misskey-feed' });
      await start(`{ type: discord, webhookUrl: "${hook.url}", threadId: "${thread.id}" }`);
      await postFixture(bridge!, fixture('note.basic.json'));
      expect(await nextMessage(fake, 0)).toMatchObject({ via: 'webhook', webhookId: hook.id, channelId: thread.id });
    });

    it('webhook URL carrying ?thread_id=', async () => {
      const hook = fake.addWebhook();
      const thread = fake.addThread(hook.channelId);
      await start(`{ type: discord, webhookUrl: "${hook.url}?thread_id=${thread.id}" }`);
      await postFixture(bridge!, fixture('note.basic.json'));
      expect(await nextMessage(fake, 0)).toMatchObject({ via: 'webhook', channelId: thread.id });
    });

    it('bot into a thread of the channel', async () => {
      const bot = fake.addBot();
      const channel = fake.addChannel();
      const thread = fake.addThread(channel.id);
      await start(`{ type: discord, botToken: "Bot ${bot.token}", channelId: "${channel.id}", threadId: "${thread.id}", apiBase: "${fake.url}" }`);
      await postFixture(bridge!, fixture('note.basic.json'));
      expect(await nextMessage(fake, 0)).toMatchObject({ via: 'bot', channelId: thread.id });
    });
  });

  it('a burst of 200 mentions into one webhook (5 per 2 s) arrives complete, in digests, without duplicates', async () => {
    // the fake's windows run 5× faster (2 s → 400 ms): the same pacing logic at a test's pace
    await startFake({ rateLimits: 'discord', timeScale: 0.2 });
    const hook = fake.addWebhook();
    await start(`{ type: discord, webhookUrl: "${hook.url}" }`);
    const events = Array.from({ length: 200 }, (_, i) => mentionNumber(i));
    await postAll(bridge!, events.map((e) => e.body));

    const urlOf = (noteId: string) => `https://misskey.example/notes/${noteId}`;
    await eventually(() => {
      const urls = new Set(fake.messages.flatMap((m) => embedsOf(m).map((e) => e.url)));
      expect(events.filter((e) => !urls.has(urlOf(e.noteId)))).toEqual([]);
    }, 20_000);
    await bridge!.worker.idle();

    const embeds = fake.messages.flatMap(embedsOf);
    expect(embeds).toHaveLength(200);
    expect(new Set(embeds.map((e) => e.url)).size).toBe(200);
    // digests: far fewer messages than events, none over Discord's 10 embeds
    expect(fake.messages.length).toBeLessThan(200);
    expect(Math.max(...fake.messages.map((m) => m.embeds.length))).toBeLessThanOrEqual(10);
    expect(fake.stats.rejected).toBe(0);
    expect(fake.stats.tooManyRequests).toBeLessThanOrEqual(5);
    expect(await bridge!.store.deadLetters.list()).toEqual([]);
  });

  it('one 403, then a burst of 300 into the same webhook: that message is dead, the lane recovers by itself and all 300 arrive once', async () => {
    await startFake({ rateLimits: 'discord', timeScale: 0.2 });
    const hook = fake.addWebhook();
    await start(`{ type: discord, webhookUrl: "${hook.url}" }`);
    fake.inject({ kind: 'error', code: 50013, status: 403, message: 'Missing Permissions', route: 'webhook-execute' });
    await postFixture(bridge!, fixture('note.basic.json'));
    const letter = await onlyDeadLetter(bridge!);
    expect(letter.error).toMatch(/403/);

    const events = Array.from({ length: 300 }, (_, i) => mentionNumber(i));
    await postAll(bridge!, events.map((e) => e.body));
    const urlOf = (noteId: string) => `https://misskey.example/notes/${noteId}`;
    await eventually(() => {
      const urls = new Set(fake.messages.flatMap((m) => embedsOf(m).map((e) => e.url)));
      expect(events.filter((e) => !urls.has(urlOf(e.noteId)))).toEqual([]);
      // 30 digests at 5 per 400 ms take a few seconds; a lane held for minutes would not make it
    }, 45_000);
    await bridge!.worker.idle();
    const embeds = fake.messages.flatMap(embedsOf);
    expect(embeds).toHaveLength(300);
    expect(new Set(embeds.map((e) => e.url)).size).toBe(300);
    expect(await bridge!.store.deadLetters.list()).toEqual([letter]);
    expect((await readyz(bridge!)).status).toBe(200);
  });

  describe('send-test', () => {
    beforeEach(async () => {
      await startFake();
    });

    it.each(['webhook', 'bot'] as const)('delivers a sample event through the %s', async (mode) => {
      let sinkYaml: string;
      if (mode === 'webhook') sinkYaml = `{ type: discord, webhookUrl: "${fake.addWebhook().url}" }`;
      else {
        const bot = fake.addBot();
        sinkYaml = `{ type: discord, botToken: "${bot.token}", channelId: "${fake.addChannel().id}", apiBase: "${fake.url}" }`;
      }
      const config = writeConfigFile(bridgeYaml({ discord: sinkYaml }));
      try {
        const verdict = await sendTestCommand({ config: config.file, sink: 'discord', event: 'mention' });
        expect(verdict).toMatchObject({ kind: 'delivered' });
      } finally {
        config.cleanup();
      }
      expect(fake.messages).toHaveLength(1);
      expect(fake.messages[0]!.via).toBe(mode);
      expect(fake.messages[0]!.embeds.length).toBeGreaterThan(0);
    });
  });

  describe('errors', () => {
    beforeEach(async () => {
      await startFake();
    });

    it('10015 Unknown Webhook: the job goes to the dead-letter list and /readyz names the sink', async () => {
      const hook = fake.addWebhook();
      await start(`{ type: discord, webhookUrl: "${hook.url}" }`);
      fake.inject({ kind: 'error', code: 10015, route: 'webhook-execute' });
      await postFixture(bridge!, fixture('note.basic.json'));

      const letter = await onlyDeadLetter(bridge!);
      expect(letter).toMatchObject({ sink: 'discord', eventId: fixture('note.basic.json').body.eventId });
      expect(letter.error).toMatch(/10015/);
      expect(letter.error).not.toContain(hook.token);
      const ready = await readyz(bridge!);
      expect(ready.status).toBe(503);
      expect(ready.checks['sink:discord']).toMatch(/webhook .* was deleted \(10015 Unknown Webhook\)/);
      expect(ready.checks.store).toBe('ok');
      expect(fake.messages).toEqual([]);
    });

    it('a 2xx answer whose body cannot be read counts as delivered: no second post', async () => {
      const hook = fake.addWebhook();
      await start(`{ type: discord, webhookUrl: "${hook.url}" }`, { extra: FAST_RETRY });
      fake.inject({ kind: 'status', status: 200, body: '<html>proxied</html>', headers: { 'content-type': 'application/json' }, route: 'webhook-execute' });
      await postFixture(bridge!, fixture('note.basic.json'));

      await eventually(async () => expect(await bridge!.store.jobs.stats()).toEqual([]));
      await bridge!.worker.idle();
      expect(fake.requests.filter((r) => r.route === 'webhook-execute').map((r) => r.status)).toEqual([200]);
      expect(await bridge!.store.deadLetters.list()).toEqual([]);
    });

    it('a transient 502, then success: delivered exactly once', async () => {
      const hook = fake.addWebhook();
      await start(`{ type: discord, webhookUrl: "${hook.url}" }`, { extra: FAST_RETRY });
      fake.inject({ kind: 'status', status: 502, route: 'webhook-execute' });
      await postFixture(bridge!, fixture('note.basic.json'));

      await nextMessage(fake, 0);
      await bridge!.worker.idle();
      expect(fake.requests.filter((r) => r.route === 'webhook-execute').map((r) => r.status)).toEqual([502, 200]);
      expect(fake.messages).toHaveLength(1);
      expect(await bridge!.store.deadLetters.list()).toEqual([]);
      expect(await bridge!.store.jobs.stats()).toEqual([]);
      expect((await readyz(bridge!)).status).toBe(200);
    });
  });
});
