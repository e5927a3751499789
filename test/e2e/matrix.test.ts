/**
 * The whole bridge against the fake homeserver: webhook POST → ingest → store (SQLite in memory) → worker →
 * the Matrix sink's fetch client → test/fakes/matrix-fake.ts. The fake validates like Synapse and
 * checks formatted_body against the HTML allowlist, so an event that arrives is one clients show.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sendTestCommand } from '../../src/commands/send-test';
import { eventually, startTestBridge, testConfig, type TestBridge } from '../helpers/bridge';
import {
  bridgeYaml,
  expectedSnippets,
  FAST_RETRY,
  HOSTILE,
  HOSTILE_TOKENS,
  hostileNote,
  LITERAL_IN_NOTE_TEXT,
  matrixVisible,
  missingTokens,
  noteNumber,
  postAll,
  postFixture,
  readyz,
  writeConfigFile,
  onlyDeadLetter,
  startReadyBridge,
  standalone,
} from '../helpers/e2e';
import { allFixtures, fixture, withEventId } from '../helpers/fixtures';
import { startMatrixFake, type FakeEvent, type MatrixFake, type MatrixFakeOptions } from '../fakes/matrix-fake';
import { checkMatrixHtml } from '../fakes/matrix-html-allowlist';

const ROOM = '!misskey:example.org';
const BOT = '@bot:example.org';
const TOKEN = 'bot-access-token';

interface MessageContent {
  msgtype: string;
  body: string;
  format?: string;
  formatted_body?: string;
  'm.mentions'?: unknown;
}
const FILE = {
  id: 'a8zgfile01',
  createdAt: '2025-06-14T07:00:00.000Z',
  name: 'cat.png',
  type: 'image/png',
  md5: 'd41d8cd98f00b204e9800998ecf8427e',
  size: 1024,
  isSensitive: false,
  blurhash: null,
  properties: {},
  thumbnailUrl: null,
  comment: null,
  folderId: null,
  userId: null,
  user: null,
};
const contentOf = (event: FakeEvent) => event.content as unknown as MessageContent;
const withoutZwsp = (text: string) => text.replace(/\u200b/g, '');

/** The one new event in the room since `before`, once it arrived. */
async function nextEvent(fake: MatrixFake, before: number, room = ROOM, timeoutMs = 5000): Promise<FakeEvent> {
  return eventually(() => {
    const fresh = fake.timeline(room).slice(before);
    expect(fresh).toHaveLength(1);
    return fresh[0]!;
  }, timeoutMs);
}

/** The send requests: txnId and the status answered (undefined when the connection was dropped). */
const sends = (fake: MatrixFake) => fake.requests.filter((r) => r.route === 'send').map((r) => ({ txnId: r.segments[8]!, status: r.status }));

describe('Matrix end to end (HTTP in → queue → worker → Client-Server API → fake homeserver)', () => {
  let fake: MatrixFake;
  let bridge: TestBridge | undefined;
  const cleanups: (() => Promise<void>)[] = [];

  const startFake = async (options: MatrixFakeOptions = {}) => {
    fake = await startMatrixFake({ rooms: [{ id: ROOM, aliases: ['#misskey:example.org'], members: [BOT] }], ...options });
    const started = fake;
    cleanups.push(() => started.close());
    return fake;
  };
  const sink = (room = ROOM, more = '') => `{ type: matrix, homeserver: "${fake.url}", accessToken: ${TOKEN}, room: "${room}"${more} }`;

  const start = async (sinkYaml: string, options: { extra?: string; digestThreshold?: number } = {}) =>
    (bridge = await startReadyBridge({ matrix: sinkYaml }, options, cleanups));

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    bridge = undefined;
  });

  describe('every shared fixture arrives as a valid message', () => {
    // one fake and one bridge for all fixtures (a bridge compiles every template when it starts)
    let shared: { fake: MatrixFake; bridge: TestBridge };

    beforeAll(async () => {
      const sharedFake = await startMatrixFake({ rooms: [{ id: ROOM, members: [BOT] }] });
      const config = bridgeYaml({ matrix: `{ type: matrix, homeserver: "${sharedFake.url}", accessToken: ${TOKEN}, room: "${ROOM}" }` });
      const sharedBridge = await startTestBridge(testConfig(config), { worker: { digestThreshold: 0 } });
      shared = { fake: sharedFake, bridge: sharedBridge };
      await eventually(async () => expect((await readyz(sharedBridge)).status).toBe(200));
    });

    afterAll(async () => {
      await shared.bridge.stop(1000);
      await shared.fake.close();
    });

    it.each(allFixtures().map((f) => [f.name, f] as const))('%s', async (_name, f) => {
      const before = shared.fake.timeline(ROOM).length;
      await postFixture(shared.bridge, standalone(f));
      const event = await nextEvent(shared.fake, before);
      const content = contentOf(event);
      expect(event).toMatchObject({ type: 'm.room.message', sender: BOT });
      expect(content).toMatchObject({ msgtype: 'm.notice', format: 'org.matrix.custom.html', 'm.mentions': {} });
      expect(content.body.trim()).not.toBe('');
      expect(checkMatrixHtml(content.formatted_body!)).toEqual([]);
      const json = withoutZwsp(JSON.stringify(content));
      for (const snippet of expectedSnippets(f)) expect(json).toContain(snippet);
      expect(shared.fake.requests.filter((r) => r.route === 'send' && r.status !== 200)).toEqual([]);
    });
  });

  describe('hostile text', () => {
    beforeEach(async () => {
      await startFake();
    });

    it('pings nobody, passes the HTML allowlist and shows the CW, the text and the name as written', async () => {
      await start(sink());
      await bridge!.post('alice', hostileNote({ eventId: 'ma70000-0000-4000-8000-000000000001', text: HOSTILE, cw: HOSTILE, name: HOSTILE }));
      const content = contentOf(await nextEvent(fake, 0));

      expect(content['m.mentions']).toEqual({});
      const html = content.formatted_body!;
      expect(checkMatrixHtml(html)).toEqual([]);
      expect(html).not.toMatch(/<script/i);
      expect(html).not.toMatch(/<img/i);
      expect(html).not.toMatch(/href="(?!https?:)/);

      // the note text sits in a spoiler: its visible text once revealed
      const spoiler = /<span data-mx-spoiler(?:="[^"]*")?>([\s\S]*?)<\/span>/.exec(html);
      expect(spoiler).not.toBeNull();
      expect(missingTokens(matrixVisible(spoiler![1]!), LITERAL_IN_NOTE_TEXT)).toEqual([]);
      // the CW in clear, as written
      const cw = /⚠️ <strong>([\s\S]*?)<\/strong>/.exec(html);
      expect(missingTokens(matrixVisible(cw![1]!), HOSTILE_TOKENS)).toEqual([]);
      // the header line: title and author, both carrying the name
      const header = /^<p>([\s\S]*?)<\/p>/.exec(html);
      const [title, author] = matrixVisible(header![1]!).split(' · ');
      expect(missingTokens(title!, HOSTILE_TOKENS)).toEqual([]);
      expect(missingTokens(author!, HOSTILE_TOKENS)).toEqual([]);

      // the plain body (notifications, text-only clients) shows the CW, never the hidden text
      const plainCw = withoutZwsp(content.body.split('\n')[0]!);
      expect(missingTokens(plainCw, HOSTILE_TOKENS)).toEqual([]);
      expect(content.body.split('<script>alert(1)</script>')).toHaveLength(2);
    });

    it.each([
      ['note', 'note.basic.json', 'posted a note'],
      ['mention', 'mention.local.json', 'mentioned you'],
    ])('a display name with markup shows as written in the %s title', async (_type, file, suffix) => {
      await start(sink());
      const name = "O'Brien **md** <@&123456789012345678> a=b &amp; @room";
      const body = structuredClone(withEventId(fixture(file).body, `title-${file}`));
      (body.body as { note: { user: { name: string } } }).note.user.name = name;
      await bridge!.post('alice', body);
      const content = contentOf(await nextEvent(fake, 0));
      expect(content['m.mentions']).toEqual({});
      const header = /^<p>([\s\S]*?)<\/p>/.exec(content.formatted_body!);
      expect(matrixVisible(header![1]!).split(' · ')[0]).toBe(`${name} ${suffix}`);
    });
  });

  describe('allowMentions: true', () => {
    const PILL_TEMPLATE = '<a href="https://matrix.to/#/@mod:example.org">Moderator</a>, see: {{mfm note.text}}\n{{files note.files}}\n';

    it('pings only the users the template links to: matrix.to links in the note and its files stay inert', async () => {
      await startFake();
      const dir = mkdtempSync(path.join(tmpdir(), 'matrix-mentions-'));
      cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
      mkdirSync(path.join(dir, 'matrix'));
      writeFileSync(path.join(dir, 'matrix', 'note.hbs'), PILL_TEMPLATE);
      await start(sink(ROOM, ', allowMentions: true'), { extra: `templates: ${JSON.stringify(dir)}` });

      const body = hostileNote({
        eventId: 'ma70000-0000-4000-8000-000000000005',
        text: 'hi https://matrix.to/#/@alice:example.org and [the team](https://matrix.to/#/%40bob%3Aexample.org) in https://matrix.to/#/!ops:example.org',
      });
      const note = (body.body as { note: { files: unknown[] } }).note;
      note.files = [{ ...FILE, url: 'https://matrix.to/#/@carol:example.org' }];
      await bridge!.post('alice', body);
      const content = contentOf(await nextEvent(fake, 0));

      expect(content['m.mentions']).toEqual({ user_ids: ['@mod:example.org'] });
      const html = content.formatted_body!;
      expect(checkMatrixHtml(html)).toEqual([]);
      expect(html).toContain('<a href="https://matrix.to/#/@mod:example.org">Moderator</a>');
      expect([...html.matchAll(/href="https:\/\/matrix\.to[^"]*"/g)].map((m) => m[0])).toEqual(['href="https://matrix.to/#/@mod:example.org"']);
      // still readable, as code
      expect(html).toContain('<code>https://matrix.to/#/@alice:example.org</code>');
      expect(html).toContain('the team (<code>https://matrix.to/#/%40bob%3Aexample.org</code>)');
    });
  });

  describe('modes', () => {
    it('room id: posts as the bot into the room it is in', async () => {
      await startFake();
      await start(sink());
      await postFixture(bridge!, fixture('mention.local.json'));
      const event = await nextEvent(fake, 0);
      expect(event).toMatchObject({ roomId: ROOM, sender: BOT, type: 'm.room.message' });
      expect(fake.joins).toEqual([]);
      expect(fake.requests.filter((r) => r.route === 'send').map((r) => decodeURIComponent(r.path))).toEqual([
        expect.stringMatching(/^\/_matrix\/client\/v3\/rooms\/!misskey:example\.org\/send\/m\.room\.message\/.+$/),
      ]);
    });

    it('room alias with autoJoin: resolves the alias, joins the room, posts there', async () => {
      await startFake({ rooms: [{ id: ROOM, aliases: ['#misskey:example.org'], members: ['@alice:example.org'], servers: ['example.org', 'other.example'] }] });
      await start(sink('#misskey:example.org', ', autoJoin: true'));
      expect(fake.room(ROOM).members.has(BOT)).toBe(true);
      expect(fake.joins).toEqual([{ target: ROOM, via: ['example.org', 'other.example'], serverName: ['example.org', 'other.example'] }]);
      await postFixture(bridge!, fixture('note.basic.json'));
      expect(await nextEvent(fake, 0)).toMatchObject({ roomId: ROOM, sender: BOT });
      // the alias is resolved once, at start-up
      expect(fake.requests.filter((r) => r.route === 'directory')).toHaveLength(1);
    });

    it('m.text instead of m.notice when configured', async () => {
      await startFake();
      await start(sink(ROOM, ', msgtype: m.text'));
      await postFixture(bridge!, fixture('note.basic.json'));
      expect(contentOf(await nextEvent(fake, 0)).msgtype).toBe('m.text');
    });
  });

  it('a burst of 100 events under Synapse’s rate limit (0.2/s, burst 10) arrives complete, without duplicates', async () => {
    // the fake's bucket refills 10× faster; Retry-After stays whole seconds, as Synapse sends it
    await startFake({ rateLimit: 'synapse', timeScale: 10 });
    await start(sink());
    const events = Array.from({ length: 100 }, (_, i) => noteNumber(i));
    // ten waves, as Misskey's deliveries would trickle in: the first sends of each wave go out
    // one by one, so the burst allowance runs out and the homeserver answers 429
    for (let wave = 0; wave < 10; wave++) {
      await postAll(bridge!, events.slice(wave * 10, wave * 10 + 10).map((e) => e.body), 2);
      await new Promise((resolve) => setTimeout(resolve, 30));
    }

    const bodies = () => fake.timeline(ROOM).map((e) => contentOf(e).body);
    const count = (marker: string) => bodies().reduce((n, body) => n + body.split(marker).length - 1, 0);
    await eventually(() => expect(events.filter((e) => count(e.marker) === 0)).toEqual([]), 20_000);
    await bridge!.worker.idle();

    // each event's text shows exactly once, in the plain body and in the HTML
    for (const { marker } of events) {
      expect(count(marker)).toBe(1);
      const html = fake.timeline(ROOM).map((e) => contentOf(e).formatted_body!);
      expect(html.reduce((n, body) => n + body.split(marker).length - 1, 0)).toBe(1);
    }
    expect(fake.timeline(ROOM).every((e) => checkMatrixHtml(contentOf(e).formatted_body!).length === 0)).toBe(true);

    // a txnId is used again only to retry a send that created no event (a 429): never after a 200
    const byTxn = new Map<string, (number | undefined)[]>();
    for (const { txnId, status } of sends(fake)) byTxn.set(txnId, [...(byTxn.get(txnId) ?? []), status]);
    const reusedAfterSuccess = [...byTxn].filter(([, statuses]) => statuses.slice(0, -1).includes(200));
    expect(reusedAfterSuccess).toEqual([]);
    expect([...byTxn.values()].flat().filter((s) => s !== 200 && s !== 429)).toEqual([]);
    expect(new Set(fake.timeline(ROOM).map((e) => e.txnId)).size).toBe(fake.timeline(ROOM).length);
    expect(fake.timeline(ROOM).length).toBeLessThan(100);
    expect(await bridge!.store.deadLetters.list()).toEqual([]);
  });

  describe('send-test', () => {
    it('delivers a sample event to the room', async () => {
      await startFake();
      const config = writeConfigFile(bridgeYaml({ matrix: sink() }));
      try {
        const verdict = await sendTestCommand({ config: config.file, sink: 'matrix', event: 'mention' });
        expect(verdict).toMatchObject({ kind: 'delivered', ref: fake.timeline(ROOM)[0]?.eventId });
      } finally {
        config.cleanup();
      }
      expect(fake.timeline(ROOM)).toHaveLength(1);
      expect(checkMatrixHtml(contentOf(fake.timeline(ROOM)[0]!).formatted_body!)).toEqual([]);
    });
  });

  describe('errors', () => {
    beforeEach(async () => {
      await startFake();
    });

    it('401 M_UNKNOWN_TOKEN: the job goes to the dead-letter list and /readyz names the sink', async () => {
      await start(sink());
      fake.inject('send', { kind: 'error', status: 401, errcode: 'M_UNKNOWN_TOKEN', error: 'Invalid access token passed.' });
      await postFixture(bridge!, fixture('note.basic.json'));

      const letter = await onlyDeadLetter(bridge!);
      expect(letter).toMatchObject({ sink: 'matrix', eventId: fixture('note.basic.json').body.eventId });
      expect(letter.error).toMatch(/M_UNKNOWN_TOKEN/);
      expect(letter.error).not.toContain(TOKEN);
      const ready = await readyz(bridge!);
      expect(ready.status).toBe(503);
      expect(ready.checks['sink:matrix']).toMatch(/access token rejected by .* \(401 M_UNKNOWN_TOKEN\)/);
      expect(fake.eventCount()).toBe(0);
    });

    it('a transient 502, then success: delivered exactly once, the retry reusing the txnId', async () => {
      await start(sink(), { extra: FAST_RETRY });
      fake.inject('send', { kind: 'error', status: 502, errcode: 'M_UNKNOWN', error: 'Bad gateway' });
      await postFixture(bridge!, fixture('note.basic.json'));

      await nextEvent(fake, 0);
      await bridge!.worker.idle();
      const attempts = sends(fake);
      expect(attempts.map((a) => a.status)).toEqual([502, 200]);
      expect(attempts[1]!.txnId).toBe(attempts[0]!.txnId);
      expect(fake.eventCount()).toBe(1);
      expect(await bridge!.store.deadLetters.list()).toEqual([]);
      expect(await bridge!.store.jobs.stats()).toEqual([]);
      expect((await readyz(bridge!)).status).toBe(200);
    });

    it('the answer is lost after the event was created: the retry is answered from the transaction, no duplicate', async () => {
      await start(sink(), { extra: FAST_RETRY });
      fake.inject('send', { kind: 'drop-after-answer' });
      await postFixture(bridge!, fixture('note.basic.json'));

      await eventually(() => expect(sends(fake).map((a) => a.status)).toEqual([undefined, 200]));
      await bridge!.worker.idle();
      expect(fake.eventCount()).toBe(1);
      expect(new Set(sends(fake).map((a) => a.txnId)).size).toBe(1);
      expect(await bridge!.store.jobs.stats()).toEqual([]);
    });
  });
});
