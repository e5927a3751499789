import { createLogger, type Logger } from '../../src/observe/logger';
import type { Message } from '../../src/render/message';
import { matrixSinkSchema } from '../../src/sinks/matrix/config';
import { MATRIX_CONTENT_BUDGET_BYTES, MATRIX_MAX_BATCH } from '../../src/sinks/matrix/limits';
import { createMatrixSink } from '../../src/sinks/matrix/matrix-sink';
import type { Delivery, Sink } from '../../src/deliver/sink';
import { checkMatrixHtml } from '../fakes/matrix-html-allowlist';
import { startMatrixFake, type FakeRoomSpec, type MatrixFake, type MatrixFakeOptions } from '../fakes/matrix-fake';

const TOKEN = 'syt_Ym90_SECRETtokenVALUE_1a2b3c';
const BOT = '@bot:example.org';
const ROOM_ID = '!ops:example.org';
const ALIAS = '#ops:example.org';

function message(overrides: Partial<Message> = {}): Message {
  return { event: 'note', text: '<p>Hello <strong>world</strong></p>', plain: 'Hello world', images: [], fields: [], ...overrides };
}

function delivery(key: string, ...messages: Message[]): Delivery {
  return { key, messages: messages.length > 0 ? messages : [message()] };
}

interface Setup {
  fake: MatrixFake;
  sink: Sink;
  logs: string[];
  newSink(config?: Record<string, unknown>): Sink;
}

const open: { fake: MatrixFake; sinks: Sink[] }[] = [];
const allLogs: string[] = [];

afterEach(async () => {
  for (const { fake, sinks } of open.splice(0)) {
    await Promise.all(sinks.map((s) => s.close()));
    await fake.close();
  }
});

afterAll(() => {
  // the access token never reaches a log line
  expect(allLogs.join('\n')).not.toContain(TOKEN);
});

async function setup(options: { room?: Partial<FakeRoomSpec>; fake?: MatrixFakeOptions; config?: Record<string, unknown> } = {}): Promise<Setup> {
  const fake = await startMatrixFake({
    users: [{ userId: BOT, accessToken: TOKEN, deviceId: 'BRIDGE' }],
    rooms: [{ id: ROOM_ID, aliases: [ALIAS], members: [BOT], ...options.room }],
    ...options.fake,
  });
  const entry = { fake, sinks: [] as Sink[] };
  open.push(entry);
  const logs: string[] = [];
  const logger: Logger = createLogger({
    level: 'debug',
    destination: {
      write: (line: string) => {
        logs.push(line);
        allLogs.push(line);
      },
    },
  });
  const newSink = (config: Record<string, unknown> = {}): Sink => {
    const parsed = matrixSinkSchema.parse({ type: 'matrix', homeserver: fake.url, accessToken: TOKEN, room: ROOM_ID, ...options.config, ...config });
    const sink = createMatrixSink('matrix-ops', parsed, { logger, requestTimeoutMs: 1000 });
    entry.sinks.push(sink);
    return sink;
  };
  return { fake, sink: newSink(), logs, newSink };
}

async function started(options: Parameters<typeof setup>[0] = {}): Promise<Setup> {
  const s = await setup(options);
  await s.sink.start();
  return s;
}

function sentContent(fake: MatrixFake, index = 0): Record<string, unknown> {
  return fake.timeline(ROOM_ID)[index]!.content;
}

describe('matrix sink: config', () => {
  const base = { type: 'matrix', homeserver: 'https://matrix.example.org', accessToken: 'x', room: '#ops:example.org' };

  test('defaults: m.notice, no mentions, autoJoin', () => {
    expect(matrixSinkSchema.parse(base)).toEqual({ ...base, msgtype: 'm.notice', allowMentions: false, autoJoin: true, batch: 'auto', threads: 'on', reactions: ['❤️', '👍'] });
    expect(matrixSinkSchema.parse({ ...base, room: '!AbC:example.org', msgtype: 'm.text' }).msgtype).toBe('m.text');
    expect(matrixSinkSchema.parse({ ...base, room: '!roomv12opaqueid' }).room).toBe('!roomv12opaqueid');
  });

  test.each([
    [{ room: 'ops' }, 'room'],
    [{ room: '#ops' }, 'room'],
    [{ homeserver: 'matrix.example.org' }, 'homeserver'],
    [{ homeserver: 'ftp://matrix.example.org' }, 'homeserver'],
    [{ msgtype: 'm.emote' }, 'msgtype'],
    [{ accessToken: '' }, 'accessToken'],
    [{ roomId: '!x:y' }, ''],
  ])('rejects %o', (change, key) => {
    const result = matrixSinkSchema.safeParse({ ...base, ...change });
    expect(result.success).toBe(false);
    if (key !== '') expect(result.error?.issues[0]?.path).toEqual([key]);
  });
});

describe('matrix sink: start-up checks', () => {
  test('is unhealthy until started, then healthy; the lane names the room as configured', async () => {
    const { sink } = await setup({ config: { room: ALIAS } });
    expect(sink.lane).toBe('matrix:#ops:example.org');
    expect(sink.type).toBe('matrix');
    expect(sink.platform).toBe('matrix');
    expect(sink.maxBatch).toBe(MATRIX_MAX_BATCH);
    expect(sink.health().ok).toBe(false);
    await sink.start();
    expect(sink.health()).toEqual({ ok: true });
  });

  test('resolves an alias and joins the room with the servers the directory named', async () => {
    const { fake, sink } = await setup({ room: { members: [], servers: ['example.org', 'other.example'] }, config: { room: ALIAS } });
    await sink.start();
    expect(fake.room(ROOM_ID).members.has(BOT)).toBe(true);
    expect(fake.joins).toEqual([{ target: ROOM_ID, via: ['example.org', 'other.example'], serverName: ['example.org', 'other.example'] }]);
    const directory = fake.requests.find((r) => r.route === 'directory');
    expect(directory?.path).toBe('/_matrix/client/v3/directory/room/%23ops%3Aexample.org');
    expect(await sink.send(delivery('job-1'))).toMatchObject({ kind: 'delivered' });
    expect(fake.timeline(ROOM_ID)).toHaveLength(1);
  });

  test('does not join when autoJoin is false and says what to do', async () => {
    const { fake, sink } = await setup({ room: { members: [] }, config: { autoJoin: false } });
    await expect(sink.start()).rejects.toThrow(/@bot:example.org is not in room !ops:example.org: invite the bot and set sinks.matrix-ops.autoJoin: true, or join it manually/);
    expect(fake.joins).toHaveLength(0);
    expect(sink.health()).toEqual({ ok: false, reason: expect.stringMatching(/invite the bot/) });
  });

  test('refuses an end-to-end encrypted room, also when send is called without a successful start', async () => {
    const { fake, sink } = await setup({ room: { encrypted: true } });
    await expect(sink.start()).rejects.toThrow(
      'room !ops:example.org is end-to-end encrypted; the bridge cannot post there (E2EE is not supported yet): use an unencrypted room',
    );
    expect(await sink.send(delivery('job-1'))).toMatchObject({ kind: 'failed', sinkBroken: true, reason: expect.stringMatching(/encrypted/) });
    expect(fake.sendRequests()).toBe(0);
    expect(fake.requests.filter((r) => r.route === 'state').map((r) => r.path)).toContain(
      '/_matrix/client/v3/rooms/!ops%3Aexample.org/state/m.room.encryption/',
    );
  });

  test('a rejected access token stops start-up without echoing the token', async () => {
    const { fake, sink } = await setup();
    fake.revokeToken(TOKEN);
    const error = await sink.start().then(
      () => undefined,
      (e: unknown) => e as Error,
    );
    expect(error?.message).toMatch(/access token rejected by http:\/\/127\.0\.0\.1:\d+ \(401 M_UNKNOWN_TOKEN\): log in again and update sinks\.matrix-ops\.accessToken/);
    expect(error?.message).not.toContain(TOKEN);
    expect(sink.health()).toMatchObject({ ok: false, reason: expect.stringMatching(/access token rejected/) });
  });

  test('an unknown alias and a room it may not join are clear errors', async () => {
    const unknown = await setup({ config: { room: '#nope:example.org' } });
    await expect(unknown.sink.start()).rejects.toThrow(/room alias #nope:example.org does not exist on .* \(404 M_NOT_FOUND.*check sinks.matrix-ops.room/);
    const inviteOnly = await setup({ room: { members: [], inviteOnly: true } });
    await expect(inviteOnly.sink.start()).rejects.toThrow(/cannot join !ops:example.org \(403 M_FORBIDDEN: You are not invited to this room.\): invite @bot:example.org/);
  });

  test('a server that is not a homeserver is a clear start-up error', async () => {
    const { fake, sink } = await setup();
    fake.inject('whoami', { kind: 'error', status: 200, body: '<html>welcome to nginx</html>' });
    await expect(sink.start()).rejects.toMatchObject({
      transient: false,
      message: expect.stringMatching(/answered whoami without a user_id: check sinks.matrix-ops.homeserver/),
    });
  });

  test('an unreachable homeserver is a transient start failure; the first send finishes start-up', async () => {
    const { fake, sink } = await setup();
    fake.inject('whoami', { kind: 'reset' });
    await expect(sink.start()).rejects.toMatchObject({ transient: true, message: expect.stringMatching(/cannot reach/) });
    expect(await sink.send(delivery('job-1'))).toMatchObject({ kind: 'delivered' });
    expect(sink.health()).toEqual({ ok: true });
  });
});

describe('matrix sink: sending', () => {
  test('PUTs one m.notice with the exact content, a bearer token and a derived transaction id', async () => {
    const { fake, sink } = await started();
    const msg = message({
      title: 'New note',
      author: { name: 'Alice <3', url: 'https://misskey.example/@alice' },
      url: 'https://misskey.example/notes/9abc',
      footer: 'misskey.example & friends',
      timestamp: '2024-05-01T12:34:56.000Z',
      fields: [{ name: 'Visibility', value: '<code>public</code>', inline: true }],
    });
    const verdict = await sink.send(delivery('job-1', msg));
    const event = fake.timeline(ROOM_ID)[0]!;
    expect(verdict).toEqual({
      kind: 'delivered',
      ref: event.eventId,
      pace: undefined,
      message: { platform: 'matrix', id: event.eventId, channel: ROOM_ID },
    });
    expect(event.content).toEqual({
      msgtype: 'm.notice',
      body: 'Hello world',
      format: 'org.matrix.custom.html',
      formatted_body:
        '<p><strong><a href="https://misskey.example/notes/9abc">New note</a></strong> · <a href="https://misskey.example/@alice">Alice &lt;3</a></p>' +
        '<p>Hello <strong>world</strong></p>' +
        '<ul><li><strong>Visibility</strong>: <code>public</code></li></ul>' +
        '<p><sub>misskey.example &amp; friends · 2024-05-01 12:34 UTC</sub></p>',
      'm.mentions': {},
    });
    expect(sink.build(delivery('job-1', msg))).toEqual(event.content);
    const put = fake.requests.find((r) => r.route === 'send')!;
    expect(put.method).toBe('PUT');
    expect(put.headers.authorization).toBe(`Bearer ${TOKEN}`);
    expect(put.path).toMatch(/^\/_matrix\/client\/v3\/rooms\/!ops%3Aexample\.org\/send\/m\.room\.message\/mb\.[0-9a-f]{32}$/);
    expect(event.txnId).toMatch(/^mb\.[0-9a-f]{32}$/);
  });

  test('msgtype m.text when configured; a note link without a title goes to the footer line', async () => {
    const { fake, sink } = await started({ config: { msgtype: 'm.text' } });
    await sink.send(delivery('job-1', message({ url: 'https://misskey.example/notes/1?a=1&b=2' })));
    expect(sentContent(fake)).toMatchObject({
      msgtype: 'm.text',
      formatted_body:
        '<p>Hello <strong>world</strong></p><p><sub><a href="https://misskey.example/notes/1?a=1&amp;b=2">https://misskey.example/notes/1?a=1&amp;b=2</a></sub></p>',
    });
  });

  test('the same Delivery.key after a restart reuses the transaction: the room shows one event', async () => {
    const { fake, sink, newSink } = await started();
    const first = await sink.send(delivery('job-42'));
    const restarted = newSink();
    await restarted.start();
    const second = await restarted.send(delivery('job-42'));
    expect(second).toEqual(first);
    expect(fake.sendRequests()).toBe(2);
    expect(fake.timeline(ROOM_ID)).toHaveLength(1);
    const paths = fake.requests.filter((r) => r.route === 'send').map((r) => r.path);
    expect(paths[0]).toBe(paths[1]);
    // another delivery gets another transaction
    await restarted.send(delivery('job-43'));
    expect(fake.timeline(ROOM_ID)).toHaveLength(2);
  });

  test('a backlog re-batched under the same first job is a new transaction, so no message is lost', async () => {
    const { fake, sink } = await started();
    await sink.send(delivery('job-7', message({ plain: 'one' })));
    await sink.send(delivery('job-7', message({ plain: 'one' }), message({ plain: 'two' })));
    expect(fake.timeline(ROOM_ID).map((e) => e.content.body)).toEqual(['one', 'one\n\ntwo']);
  });

  test('close aborts a request in flight; it comes back as a retry', async () => {
    const { fake, sink } = await started();
    fake.inject('send', { kind: 'latency', ms: 500 });
    const pending = sink.send(delivery('job-1'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    await sink.close();
    expect(await pending).toMatchObject({ kind: 'retry', reason: expect.stringMatching(/sink closed/) });
  });

  test('a 5xx is a retry; the retry reuses the transaction id and creates one event', async () => {
    const { fake, sink } = await started();
    fake.inject('send', { kind: 'error', status: 502, body: '<html>Bad Gateway</html>' });
    expect(await sink.send(delivery('job-1'))).toMatchObject({ kind: 'retry', reason: 'matrix 502', rateLimited: false });
    expect(await sink.send(delivery('job-1'))).toMatchObject({ kind: 'delivered' });
    const paths = fake.requests.filter((r) => r.route === 'send').map((r) => r.path);
    expect(new Set(paths).size).toBe(1);
    expect(fake.timeline(ROOM_ID)).toHaveLength(1);
  });

  test('an answer lost after the event was created is retried without a duplicate', async () => {
    const { fake, sink } = await started();
    fake.inject('send', { kind: 'drop-after-answer' });
    expect(await sink.send(delivery('job-1'))).toMatchObject({ kind: 'retry', reason: expect.stringMatching(/^network error/) });
    expect(fake.timeline(ROOM_ID)).toHaveLength(1);
    const verdict = await sink.send(delivery('job-1'));
    expect(verdict).toMatchObject({ kind: 'delivered', ref: fake.timeline(ROOM_ID)[0]!.eventId });
    expect(fake.timeline(ROOM_ID)).toHaveLength(1);
  });

  test('a timeout and a connection reset are retries', async () => {
    const { fake, sink } = await started();
    fake.inject('send', { kind: 'latency', ms: 1500 });
    expect(await sink.send(delivery('job-1'))).toMatchObject({ kind: 'retry', reason: expect.stringMatching(/timeout after 1000 ms/) });
    fake.inject('send', { kind: 'reset' });
    expect(await sink.send(delivery('job-2'))).toMatchObject({ kind: 'retry', reason: expect.stringMatching(/^network error/) });
  });

  test('429 waits for retry_after_ms, for Retry-After in seconds or as a date, and for the homeserver limiter', async () => {
    const { fake, sink } = await started();
    fake.inject('send', { kind: 'error', status: 429, body: { errcode: 'M_LIMIT_EXCEEDED', error: 'Too Many Requests', retry_after_ms: 2500 } });
    expect(await sink.send(delivery('job-1'))).toEqual({
      kind: 'retry',
      reason: 'matrix 429 M_LIMIT_EXCEEDED: Too Many Requests',
      afterMs: 2500,
      rateLimited: true,
    });
    fake.inject('send', { kind: 'error', status: 429, errcode: 'M_LIMIT_EXCEEDED', headers: { 'Retry-After': '3' } });
    expect(await sink.send(delivery('job-1'))).toMatchObject({ kind: 'retry', afterMs: 3000, rateLimited: true });
    const date = new Date(Date.now() + 60_000).toUTCString();
    fake.inject('send', { kind: 'error', status: 429, errcode: 'M_LIMIT_EXCEEDED', headers: { 'Retry-After': date } });
    const byDate = await sink.send(delivery('job-1'));
    expect(byDate.kind === 'retry' && byDate.afterMs).toBeGreaterThan(55_000);

    fake.setRateLimit('synapse');
    for (let i = 0; i < 10; i++) expect(await sink.send(delivery(`burst-${i}`))).toMatchObject({ kind: 'delivered' });
    expect(await sink.send(delivery('burst-10'))).toMatchObject({ kind: 'retry', rateLimited: true, afterMs: 5000 });
  });

  test('M_RESOURCE_LIMIT_EXCEEDED retries; invalid payloads fail the message only; errcode wins over status but M_UNKNOWN does not', async () => {
    const { fake, sink } = await started();
    const cases: [number, string, object][] = [
      [403, 'M_RESOURCE_LIMIT_EXCEEDED', { kind: 'retry', rateLimited: false }],
      [400, 'M_NOT_JSON', { kind: 'failed', sinkBroken: false }],
      [400, 'M_BAD_JSON', { kind: 'failed', sinkBroken: false }],
      [413, 'M_TOO_LARGE', { kind: 'failed', sinkBroken: false }],
      [500, 'M_UNKNOWN', { kind: 'retry' }],
      [400, 'M_UNKNOWN', { kind: 'failed', sinkBroken: false }],
      [400, 'M_LIMIT_EXCEEDED', { kind: 'retry', rateLimited: true }],
    ];
    for (const [status, errcode, expected] of cases) {
      fake.inject('send', { kind: 'error', status, errcode, error: 'injected' });
      expect([status, errcode, await sink.send(delivery('job-1'))]).toEqual([status, errcode, expect.objectContaining(expected)]);
    }
    expect(sink.health()).toEqual({ ok: true });
  });

  test('403 once: joins once and sends again with the same transaction', async () => {
    const { fake, sink } = await started();
    fake.room(ROOM_ID).members.delete(BOT); // kicked
    expect(await sink.send(delivery('job-1'))).toMatchObject({ kind: 'delivered' });
    expect(fake.joins).toHaveLength(1);
    const sends = fake.requests.filter((r) => r.route === 'send');
    expect(sends.map((r) => r.status)).toEqual([403, 200]);
    expect(sends[0]!.path).toBe(sends[1]!.path);
    expect(fake.timeline(ROOM_ID)).toHaveLength(1);
  });

  test('403 when it may not join, or autoJoin is off: failed, sink broken, healthy again after a good send', async () => {
    const { fake, sink, logs } = await started({ room: { inviteOnly: true } });
    fake.room(ROOM_ID).members.delete(BOT);
    expect(await sink.send(delivery('job-1'))).toMatchObject({ kind: 'failed', sinkBroken: true, reason: expect.stringMatching(/cannot join .* invite @bot:example.org/) });
    expect(sink.health()).toMatchObject({ ok: false });
    expect(logs.some((l) => l.includes('"level":50') && l.includes('invite @bot:example.org'))).toBe(true);

    fake.room(ROOM_ID).members.add(BOT);
    expect(await sink.send(delivery('job-1'))).toMatchObject({ kind: 'delivered' });
    expect(sink.health()).toEqual({ ok: true });

    const noJoin = await started({ config: { autoJoin: false } });
    noJoin.fake.room(ROOM_ID).members.delete(BOT);
    expect(await noJoin.sink.send(delivery('job-1'))).toMatchObject({ kind: 'failed', sinkBroken: true, reason: expect.stringMatching(/M_FORBIDDEN/) });
    expect(noJoin.fake.joins).toHaveLength(0);
  });

  test('401 marks the sink broken with what to fix, and never shows the token', async () => {
    const { fake, sink, logs } = await started();
    fake.revokeToken(TOKEN);
    const verdict = await sink.send(delivery('job-1'));
    expect(verdict).toMatchObject({ kind: 'failed', sinkBroken: true });
    const reason = `access token rejected by ${fake.url} (401 M_UNKNOWN_TOKEN): log in again and update sinks.matrix-ops.accessToken`;
    expect(verdict).toMatchObject({ reason });
    expect(sink.health()).toEqual({ ok: false, reason });
    expect(logs.join('\n')).toContain(reason);
    expect(JSON.stringify(verdict) + logs.join('\n')).not.toContain(TOKEN);
  });

  test('404 and M_UNRECOGNIZED are broken sinks', async () => {
    const { fake, sink } = await started();
    fake.inject('send', { kind: 'error', status: 404, errcode: 'M_NOT_FOUND', error: 'Unknown room' });
    expect(await sink.send(delivery('job-1'))).toMatchObject({ kind: 'failed', sinkBroken: true, reason: expect.stringMatching(/check sinks.matrix-ops.room/) });
    fake.inject('send', { kind: 'error', status: 404, errcode: 'M_UNRECOGNIZED', error: 'Unrecognized request' });
    expect(await sink.send(delivery('job-1'))).toMatchObject({ kind: 'failed', sinkBroken: true, reason: expect.stringMatching(/check sinks.matrix-ops.homeserver/) });
  });
});

describe('matrix sink: content', () => {
  test('hostile text that arrived escaped stays inert; no mention pings', async () => {
    const { fake, sink } = await started();
    const msg = message({
      text: '<p>&lt;script&gt;alert(1)&lt;/script&gt; @room &lt;a href="javascript:x"&gt;hi&lt;/a&gt; &amp;amp;</p>',
      plain: '<script>alert(1)</script> @room <a href="javascript:x">hi</a> &amp;',
      author: { name: '"><img src=x onerror=alert(1)> @room', url: 'javascript:alert(1)' },
      footer: '</sub><script>',
      images: [
        { url: 'javascript:alert(1)', alt: 'evil', sensitive: false },
        { url: 'https://files.example/a.png', alt: '"><b>alt</b>', sensitive: false },
      ],
    });
    expect(await sink.send(delivery('job-1', msg))).toMatchObject({ kind: 'delivered' });
    const content = sentContent(fake);
    const html = content.formatted_body as string;
    expect(checkMatrixHtml(html)).toEqual([]);
    expect(html).not.toMatch(/<script|<img|<a href="javascript:/);
    expect(html).toContain('<p>&quot;&gt;&lt;img src=x onerror=alert(1)&gt; @room</p>');
    expect(html).toContain('<a href="https://files.example/a.png">&quot;&gt;&lt;b&gt;alt&lt;/b&gt;</a>');
    expect(html).toContain('&lt;/sub&gt;&lt;script&gt;');
    expect(content.body).toBe(msg.plain);
    expect(content['m.mentions']).toEqual({});
  });

  test('allowMentions: pings only the users and @room the message names', async () => {
    const { fake, sink } = await started({ config: { allowMentions: true } });
    await sink.send(
      delivery('job-1', message({ text: '<p><a href="https://matrix.to/#/%40carol%3Aexample.org">Carol</a> hi</p>', plain: 'Carol hi @room' })),
    );
    expect(sentContent(fake)['m.mentions']).toEqual({ user_ids: ['@carol:example.org'], room: true });
  });

  test('images are links; sensitive ones sit inside a spoiler', async () => {
    const { fake, sink } = await started();
    const images = Array.from({ length: 16 }, (_, i) => ({ url: `https://files.example/${i}.webp`, alt: i === 0 ? '' : `pic ${i}`, sensitive: i % 2 === 1 }));
    await sink.send(delivery('job-1', message({ images })));
    const html = sentContent(fake).formatted_body as string;
    expect(checkMatrixHtml(html)).toEqual([]);
    expect(html).toContain('🖼️ <a href="https://files.example/0.webp">image 1</a><br>🖼️ <span data-mx-spoiler="sensitive"><a href="https://files.example/1.webp">pic 1</a></span>');
    expect(html.match(/data-mx-spoiler/g)).toHaveLength(8);
    expect(html).not.toContain('<img');
  });

  test('a digest is one event with the messages in order, separated by rules', async () => {
    const { fake, sink } = await started();
    const messages = [1, 2, 3].map((n) => message({ title: `Event ${n}`, text: `<p>text ${n}</p>`, plain: `plain ${n}` }));
    expect(await sink.send(delivery('job-1', ...messages))).toMatchObject({ kind: 'delivered' });
    expect(fake.timeline(ROOM_ID)).toHaveLength(1);
    expect(sentContent(fake)).toMatchObject({
      body: 'plain 1\n\nplain 2\n\nplain 3',
      formatted_body:
        '<p><strong>Event 1</strong></p><p>text 1</p><hr><p><strong>Event 2</strong></p><p>text 2</p><hr><p><strong>Event 3</strong></p><p>text 3</p>',
    });
  });

  test('oversize text is cut cleanly under the event limit and the cut is logged', async () => {
    const { fake, sink, logs } = await started();
    const words = Array.from({ length: 30_000 }, (_, i) => (i % 7 === 0 ? '日本語🎉' : `word${i}`)).join(' ');
    const msg = message({
      title: 'Big',
      url: 'https://misskey.example/notes/big',
      text: `<blockquote><p>${words}</p></blockquote><pre><code class="language-js">${'x &lt; y;\n'.repeat(2000)}</code></pre>`,
      plain: `${words}\n${'x < y;\n'.repeat(2000)}`,
    });
    expect(await sink.send(delivery('job-1', msg))).toMatchObject({ kind: 'delivered' });
    const content = sentContent(fake);
    expect(Buffer.byteLength(JSON.stringify(content))).toBeLessThanOrEqual(MATRIX_CONTENT_BUDGET_BYTES);
    const html = content.formatted_body as string;
    expect(checkMatrixHtml(html)).toEqual([]);
    expect(html.startsWith('<p><strong><a href="https://misskey.example/notes/big">Big</a></strong></p><blockquote><p>日本語🎉 word1 word2')).toBe(true);
    expect(html).toMatch(/…<\/p><\/blockquote>$/);
    expect(content.body as string).toMatch(/…$/);
    const warnings = logs.filter((l) => l.includes('"level":40') && l.includes('truncated'));
    expect(warnings.map((l) => JSON.parse(l).field).sort()).toEqual(['body', 'formatted_body']);
  });

  test('a digest over the limit keeps every message, the small ones whole', async () => {
    const { fake, sink } = await started();
    const big = 'long '.repeat(20_000);
    const messages = Array.from({ length: MATRIX_MAX_BATCH }, (_, i) =>
      i % 5 === 0
        ? message({ title: `Big ${i}`, text: `<p>${big}</p>`, plain: big, url: `https://misskey.example/notes/${i}` })
        : message({ title: `Small ${i}`, text: `<p>small ${i}</p>`, plain: `small ${i}` }),
    );
    expect(await sink.send(delivery('job-1', ...messages))).toMatchObject({ kind: 'delivered' });
    const content = sentContent(fake);
    expect(Buffer.byteLength(JSON.stringify(content))).toBeLessThanOrEqual(MATRIX_CONTENT_BUDGET_BYTES);
    const html = content.formatted_body as string;
    expect(checkMatrixHtml(html)).toEqual([]);
    const blocks = html.split('<hr>');
    expect(blocks).toHaveLength(MATRIX_MAX_BATCH);
    blocks.forEach((block, i) => expect(block).toContain(i % 5 === 0 ? `Big ${i}` : `<p><strong>Small ${i}</strong></p><p>small ${i}</p>`));
    expect((content.body as string).split('\n\n').filter((p) => p.startsWith('small'))).toHaveLength(16);
  });
});
