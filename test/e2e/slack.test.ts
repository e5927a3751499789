/**
 * The whole bridge against the fake Slack: webhook POST → ingest → store (SQLite in memory) → worker →
 * @slack/web-api (bot token) or fetch (incoming webhook) → test/fakes/slack-fake.ts. The fake
 * refuses what Slack refuses, so a message that arrives is one Slack would have shown.
 */
import { sendTestCommand } from '../../src/commands/send-test';
import { eventually, startTestBridge, testConfig, type TestBridge } from '../helpers/bridge';
import {
  bridgeYaml,
  expectedSnippets,
  FAST_RETRY,
  FOLLOW_KINDS,
  followNumber,
  HOSTILE,
  HOSTILE_TOKENS,
  hostileNote,
  LITERAL_IN_NOTE_TEXT,
  missingTokens,
  postAll,
  postFixture,
  readyz,
  slackVisible,
  writeConfigFile,
  type FollowKind,
  nextItem,
  onlyDeadLetter,
  startReadyBridge,
  standalone,
} from '../helpers/e2e';
import { allFixtures, fixture, withEventId } from '../helpers/fixtures';
import { startSlackFake, wouldPing, type PostedMessage, type SlackFake, type SlackFakeOptions } from '../fakes/slack-fake';

type Block = { type: string; text?: { type: string; text: string }; elements?: { type: string; text?: string }[]; fields?: { text: string }[] };

const CHANNEL = 'C0ALERTS01';
const TOKEN = 'xoxb-fake-bot-token';
const blocksOf = (message: PostedMessage) => (message.blocks ?? []) as Block[];
const sections = (message: PostedMessage) => blocksOf(message).filter((b) => b.type === 'section' && b.text).map((b) => b.text!.text);
/** The blocks of each event a message carries: a digest separates them with dividers. */
function perEvent(message: PostedMessage): Block[][] {
  const groups: Block[][] = [[]];
  for (const block of blocksOf(message)) {
    if (block.type === 'divider') groups.push([]);
    else groups.at(-1)!.push(block);
  }
  return groups;
}
const withoutZwsp = (text: string) => text.replace(/\u200b/g, '');
/** Visible text with bold marks gone too: what a reader reads. */
const readable = (mrkdwn: string) => slackVisible(mrkdwn).replace(/\*([^*\n]+)\*/g, '$1');
const sectionText = (blocks: Block[]) =>
  blocks
    .filter((b) => b.type === 'section' && b.text)
    .map((b) => readable(b.text!.text))
    .join('\n');

/** The one new message since `before`, once it arrived. */
const nextMessage = (fake: SlackFake, before: number, timeoutMs?: number): Promise<PostedMessage> =>
  nextItem(() => fake.messages, before, timeoutMs);

describe('Slack end to end (HTTP in → queue → worker → @slack/web-api / fetch → fake Slack)', () => {
  let fake: SlackFake;
  let bridge: TestBridge | undefined;
  const cleanups: (() => Promise<void>)[] = [];

  const startFake = async (options?: SlackFakeOptions) => {
    fake = await startSlackFake(options);
    const started = fake;
    cleanups.push(() => started.close());
    return fake;
  };
  const botSink = (channel = CHANNEL, more = '') => `{ type: slack, token: ${TOKEN}, channel: "${channel}", apiUrl: "${fake.apiUrl}"${more} }`;
  const webhookSink = () => `{ type: slack, webhookUrl: "${fake.webhookUrl}" }`;

  const start = async (sinkYaml: string, options: { extra?: string; digestThreshold?: number } = {}) =>
    (bridge = await startReadyBridge({ slack: sinkYaml }, options, cleanups));

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    bridge = undefined;
  });

  describe('every shared fixture arrives as a valid message', () => {
    // one fake and one bridge for all fixtures (a bridge compiles every template when it starts)
    let shared: { fake: SlackFake; bridge: TestBridge };

    beforeAll(async () => {
      const sharedFake = await startSlackFake();
      const sink = `{ type: slack, token: ${TOKEN}, channel: ${CHANNEL}, apiUrl: "${sharedFake.apiUrl}" }`;
      const sharedBridge = await startTestBridge(testConfig(bridgeYaml({ slack: sink })), { worker: { digestThreshold: 0 } });
      shared = { fake: sharedFake, bridge: sharedBridge };
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
      expect(message).toMatchObject({ via: 'api', channel: CHANNEL, warnings: [], pings: [] });
      expect(blocksOf(message).length).toBeGreaterThan(0);
      expect(message.text?.trim()).toBeTruthy();
      const json = withoutZwsp(JSON.stringify(message.args));
      for (const snippet of expectedSnippets(f)) expect(json).toContain(snippet);
      // the rejected requests would be recorded with ok: false
      expect(shared.fake.requests.filter((r) => r.route === 'chat.postMessage' && (r.response as { ok?: boolean }).ok !== true)).toEqual([]);
    });

    it.each([
      ['followed.local.json', '👋 carol (@carol) followed you'],
      ['follow.local.json', '➡️ You followed Bob (@bob)'],
      ['unfollow.json', '↩️ You unfollowed Bob (@bob)'],
    ])('%s is a one-line alert: "%s"', async (file, alert) => {
      const before = shared.fake.messages.length;
      await postFixture(shared.bridge, { ...fixture(file), body: withEventId(fixture(file).body, `alert-${file}`) });
      const message = await nextMessage(shared.fake, before);
      const [firstLine] = (message.text ?? '').split('\n');
      expect(firstLine).toBe(alert);
      // the message body says the same in one line (a bio, when there is one, follows as a quote)
      expect(sectionText(blocksOf(message)).split('\n')[0]).toBe(alert);
    });
  });

  describe('hostile text', () => {
    beforeEach(async () => {
      await startFake();
    });

    it.each(['bot', 'webhook'] as const)('%s: pings nobody and shows the CW, the text and the name as written', async (mode) => {
      // slackCw: reveal shows the text under the CW (the default hides it behind a link)
      await start(mode === 'bot' ? botSink() : webhookSink(), { extra: 'render: { slackCw: reveal }' });
      await bridge!.post('alice', hostileNote({ eventId: `51ac0000-0000-4000-8000-00000000000${mode.length}`, text: HOSTILE, cw: HOSTILE, name: HOSTILE }));
      const message = await nextMessage(fake, 0);

      expect(message.via).toBe(mode === 'bot' ? 'api' : 'webhook');
      expect(message.pings).toEqual([]);
      expect(wouldPing(message.args)).toEqual([]);
      // with link_names, bare @here/@channel/@everyone in the fallback text would ping too
      expect(wouldPing({ ...message.args, link_names: true })).toEqual([]);

      const [body] = sections(message);
      const [cwLine, ...rest] = slackVisible(body!).split('\n');
      expect(missingTokens(cwLine!, HOSTILE_TOKENS)).toEqual([]);
      expect(missingTokens(rest.join('\n'), LITERAL_IN_NOTE_TEXT)).toEqual([]);

      // the author line: a link labelled with the name, cut to Slack's name length
      const author = blocksOf(message)[0]!;
      expect(author.type).toBe('context');
      const label = slackVisible(author.elements!.at(-1)!.text!);
      expect(missingTokens(label, HOSTILE_TOKENS.slice(0, 4))).toEqual([]);
      if (mode === 'bot') {
        const username = withoutZwsp(message.username ?? '');
        expect(username.endsWith('…')).toBe(true);
        expect(HOSTILE.startsWith(username.slice(0, -1).trimEnd())).toBe(true);
      }
    });

    it.each([
      ['note', 'note.basic.json', 'posted a note'],
      ['mention', 'mention.local.json', 'mentioned you'],
    ])('a display name with markup shows as written in the %s header', async (_type, file, suffix) => {
      await start(botSink());
      const name = "O'Brien <@&123456789012345678> a=b &amp; <!here>";
      const body = structuredClone(withEventId(fixture(file).body, `title-${file}`));
      (body.body as { note: { user: { name: string } } }).note.user.name = name;
      await bridge!.post('alice', body);
      const message = await nextMessage(fake, 0);
      expect(message.pings).toEqual([]);
      const header = blocksOf(message).find((b) => b.type === 'header');
      expect(header?.text).toEqual({ type: 'plain_text', text: `${name} ${suffix}` });
    });
  });

  describe('modes', () => {
    beforeEach(async () => {
      await startFake();
    });

    it('bot token + channel id: chat.postMessage under the author’s name', async () => {
      await start(botSink());
      await postFixture(bridge!, fixture('mention.local.json'));
      const message = await nextMessage(fake, 0);
      expect(message).toMatchObject({ via: 'api', channel: CHANNEL, username: 'Bob (@bob)' });
      expect(message.ts).toMatch(/^\d+\.\d{6}$/);
      expect(fake.requests.map((r) => r.route)).not.toContain('conversations.list');
    });

    it('bot token + #name: the channel is looked up once at start-up', async () => {
      fake.addChannel({ id: 'C0OTHER001', name: 'other' });
      await start(botSink('#alerts'));
      await postFixture(bridge!, fixture('mention.local.json'));
      await postFixture(bridge!, fixture('note.basic.json'));
      await eventually(() => expect(fake.messagesIn('#alerts')).toHaveLength(2));
      expect(fake.messages.every((m) => m.channel === CHANNEL)).toBe(true);
      expect(fake.requests.filter((r) => r.route === 'conversations.list')).toHaveLength(1);
      expect(fake.requests.filter((r) => r.route === 'chat.postMessage').map((r) => r.params.channel)).toEqual([CHANNEL, CHANNEL]);
    });

    it('incoming webhook: posts to the webhook’s channel', async () => {
      await start(webhookSink());
      await postFixture(bridge!, fixture('mention.local.json'));
      const message = await nextMessage(fake, 0);
      expect(message).toMatchObject({ via: 'webhook', channel: CHANNEL, pings: [] });
      expect(message.username).toBeUndefined();
      expect(fake.requests.map((r) => r.route)).toEqual(['webhook']);
    });
  });

  it('a burst of 100 follow alerts into one channel (~1 message/s) arrives complete, without duplicates', async () => {
    // the fake's token bucket refills 10× faster; Retry-After stays whole seconds, as Slack sends it
    await startFake({ rateLimit: 'slack', timeScale: 10 });
    await start(botSink());
    const events = Array.from({ length: 100 }, (_, i) => ({ ...followNumber(i, FOLLOW_KINDS[i % 3]!), kind: FOLLOW_KINDS[i % 3]! }));
    await postAll(bridge!, events.map((e) => e.body));

    const seen = () => fake.messages.flatMap(perEvent).map(sectionText);
    await eventually(() => expect(seen()).toHaveLength(100), 20_000);
    await bridge!.worker.idle();

    const shown = seen();
    expect(shown).toHaveLength(100);
    const alert: Record<FollowKind, (user: string) => string> = {
      followed: (user) => `👋 ${user} (@${user}) followed you`,
      follow: (user) => `➡️ You followed ${user} (@${user})`,
      unfollow: (user) => `↩️ You unfollowed ${user} (@${user})`,
    };
    for (const { username, kind } of events) {
      // exactly one event of all the messages names this user, in one line saying what happened
      expect(shown.filter((text) => text.includes(`@${username})`))).toEqual([alert[kind](username)]);
    }
    expect(fake.messages.length).toBeLessThan(100);
    expect(fake.messages.every((m) => m.channel === CHANNEL && m.pings.length === 0)).toBe(true);
    expect(fake.requests.filter((r) => r.status === 429).length).toBeLessThanOrEqual(5);
    expect(await bridge!.store.deadLetters.list()).toEqual([]);
  });

  describe('send-test', () => {
    beforeEach(async () => {
      await startFake();
    });

    it.each(['bot', 'webhook'] as const)('delivers a sample event through the %s', async (mode) => {
      const config = writeConfigFile(bridgeYaml({ slack: mode === 'bot' ? botSink() : webhookSink() }));
      try {
        const verdict = await sendTestCommand({ config: config.file, sink: 'slack', event: 'mention' });
        expect(verdict).toMatchObject({ kind: 'delivered' });
      } finally {
        config.cleanup();
      }
      expect(fake.messages).toHaveLength(1);
      expect(fake.messages[0]).toMatchObject({ via: mode === 'bot' ? 'api' : 'webhook', channel: CHANNEL, pings: [] });
    });
  });

  describe('errors', () => {
    beforeEach(async () => {
      await startFake();
    });

    it('channel_not_found: the job goes to the dead-letter list and /readyz names the sink', async () => {
      await start(botSink());
      fake.inject('chat.postMessage', { kind: 'error', error: 'channel_not_found' });
      await postFixture(bridge!, fixture('note.basic.json'));

      const letter = await onlyDeadLetter(bridge!);
      expect(letter).toMatchObject({ sink: 'slack', eventId: fixture('note.basic.json').body.eventId });
      expect(letter.error).toMatch(/channel_not_found/);
      const ready = await readyz(bridge!);
      expect(ready.status).toBe(503);
      expect(ready.checks['sink:slack']).toMatch(/Slack channel C0ALERTS01 was not found \(channel_not_found\)/);
      expect(fake.messages).toEqual([]);
    });

    it('incoming webhook removed (404 no_service): dead letter, /readyz names the sink', async () => {
      await start(webhookSink());
      fake.inject('webhook', { kind: 'status', status: 404, body: 'no_service' });
      await postFixture(bridge!, fixture('note.basic.json'));
      await eventually(async () => expect(await bridge!.store.deadLetters.list()).toHaveLength(1));
      const ready = await readyz(bridge!);
      expect(ready.status).toBe(503);
      expect(ready.checks['sink:slack']).toMatch(/no_service/);
      expect(ready.checks['sink:slack']).not.toContain(fake.webhookUrl);
    });

    it('bot: a 2xx answer whose body cannot be read counts as delivered: no second post', async () => {
      await start(botSink(), { extra: FAST_RETRY });
      fake.inject('chat.postMessage', { kind: 'status', status: 200, body: '<html>proxied</html>', headers: { 'content-type': 'application/json' } });
      await postFixture(bridge!, fixture('note.basic.json'));

      await eventually(async () => expect(await bridge!.store.jobs.stats()).toEqual([]));
      await bridge!.worker.idle();
      expect(fake.requests.filter((r) => r.route === 'chat.postMessage').map((r) => r.status)).toEqual([200]);
      expect(await bridge!.store.deadLetters.list()).toEqual([]);
    });

    it.each(['bot', 'webhook'] as const)('%s: a transient 503, then success: delivered exactly once', async (mode) => {
      await start(mode === 'bot' ? botSink() : webhookSink(), { extra: FAST_RETRY });
      fake.inject(mode === 'bot' ? 'chat.postMessage' : 'webhook', { kind: 'status', status: 503, body: 'service unavailable' });
      await postFixture(bridge!, fixture('note.basic.json'));

      await nextMessage(fake, 0);
      await bridge!.worker.idle();
      const route = mode === 'bot' ? 'chat.postMessage' : 'webhook';
      expect(fake.requests.filter((r) => r.route === route).map((r) => r.status)).toEqual([503, 200]);
      expect(fake.messages).toHaveLength(1);
      expect(await bridge!.store.deadLetters.list()).toEqual([]);
      expect(await bridge!.store.jobs.stats()).toEqual([]);
      expect((await readyz(bridge!)).status).toBe(200);
    });
  });
});
