import { Writable } from 'node:stream';
import fc from 'fast-check';
import { createLogger, type Logger } from '../../src/observe/logger';
import type { Message, MessageImage } from '../../src/render/message';
import type { Block } from '../../src/sinks/slack/blocks';
import { slackSinkConfigSchema } from '../../src/sinks/slack/config';
import { BLOCKS_TEXT_BUDGET, FALLBACK_TEXT_MAX, MAX_BLOCKS, SECTION_TEXT_MAX } from '../../src/sinks/slack/limits';
import { createSlackSink } from '../../src/sinks/slack/slack-sink';
import type { Delivery, Sink, Verdict } from '../../src/deliver/sink';
import { startSlackFake, type FakeChannelSpec, type SlackFake, type SlackFakeOptions } from '../fakes/slack-fake';

// ---- builders -------------------------------------------------------------------------------

function message(overrides: Partial<Message> = {}): Message {
  return { event: 'note', text: 'hello from *Misskey*', plain: 'hello from Misskey', images: [], fields: [], ...overrides };
}

function delivery(...messages: Message[]): Delivery {
  return { key: 'job-1', messages };
}

const image = (url: string, extra: Partial<MessageImage> = {}): MessageImage => ({ url, alt: '', sensitive: false, ...extra });

/** a line of prose about `n` characters long, escaped like the renderer escapes */
function prose(n: number, seed = 'word'): string {
  const words: string[] = [];
  let length = 0;
  for (let i = 0; length < n; i++) {
    const word = i % 12 === 11 ? `${seed}${i}\n` : `${seed}${i}`;
    words.push(word);
    length += word.length + 1;
  }
  return words.join(' ').replace(/\n /g, '\n');
}

// ---- harness --------------------------------------------------------------------------------

interface Harness {
  fake: SlackFake;
  sink: Sink;
  logs: () => string;
}

const fakes: SlackFake[] = [];
afterEach(async () => {
  await Promise.all(fakes.splice(0).map((fake) => fake.close()));
});

function captureLogger(): { logger: Logger; logs: () => string } {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk: Buffer, _encoding, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { logger: createLogger({ level: 'debug', pretty: false, destination }), logs: () => lines.join('') };
}

async function startFake(options: SlackFakeOptions = {}): Promise<SlackFake> {
  const fake = await startSlackFake(options);
  fakes.push(fake);
  return fake;
}

async function botHarness(config: Record<string, unknown> = {}, fakeOptions: SlackFakeOptions = {}): Promise<Harness> {
  const fake = await startFake(fakeOptions);
  const { logger, logs } = captureLogger();
  const parsed = slackSinkConfigSchema.parse({ type: 'slack', token: fake.bot.token, channel: 'C0ALERTS01', apiUrl: fake.apiUrl, ...config });
  return { fake, sink: createSlackSink('alerts', parsed, { logger }, { timeoutMs: 500 }), logs };
}

const WEBHOOK_SECRET = 'S3cr3tW3bh00kT0k3n';

async function webhookHarness(config: Record<string, unknown> = {}, fakeOptions: SlackFakeOptions = {}): Promise<Harness> {
  const fake = await startFake({ webhooks: [{ path: `T000/B000/${WEBHOOK_SECRET}`, channel: 'C0ALERTS01' }], ...fakeOptions });
  const { logger, logs } = captureLogger();
  const parsed = slackSinkConfigSchema.parse({ type: 'slack', webhookUrl: fake.webhookUrl, ...config });
  return { fake, sink: createSlackSink('hook', parsed, { logger }, { timeoutMs: 500 }), logs };
}

function blocksOf(fake: SlackFake, index = -1): Block[] {
  const posted = fake.messages.at(index);
  if (!posted) throw new Error('nothing was posted');
  return posted.blocks as Block[];
}

function textsOf(blocks: Block[]): string[] {
  const texts: string[] = [];
  for (const block of blocks) {
    if ('text' in block) texts.push(block.text.text);
    if ('fields' in block) texts.push(...block.fields.map((field) => field.text));
    if ('elements' in block) for (const element of block.elements) if (element.type === 'mrkdwn') texts.push(element.text);
  }
  return texts;
}

// ---- bot mode -------------------------------------------------------------------------------

describe('Slack sink, bot mode', () => {
  test('posts a follow alert as Block Kit to the channel id, with the author as name and icon', async () => {
    const { fake, sink } = await botHarness();
    await sink.start();
    const follow = message({
      event: 'followed',
      title: 'New follower',
      text: '*Alice* followed you',
      plain: 'Alice followed you',
      author: { name: 'Alice', url: 'https://mk.example/@alice', iconUrl: 'https://mk.example/avatar/alice.png' },
      url: 'https://mk.example/@alice',
      timestamp: '2024-05-01T12:34:56.000Z',
    });

    const verdict = await sink.send(delivery(follow));

    expect(verdict).toEqual({
      kind: 'delivered',
      ref: fake.messages[0]?.ts,
      pace: undefined,
      message: { platform: 'slack', id: fake.messages[0]?.ts, channel: 'C0ALERTS01' },
    });
    expect(fake.messages).toHaveLength(1);
    const posted = fake.messages[0]!;
    expect(posted.channel).toBe('C0ALERTS01');
    expect(posted.text).toBe('Alice followed you');
    expect(posted.username).toBe('Alice');
    expect(posted.icon_url).toBe('https://mk.example/avatar/alice.png');
    expect(posted.args).toMatchObject({ unfurl_links: false, unfurl_media: false });
    expect(posted.blocks).toEqual([
      {
        type: 'context',
        elements: [
          { type: 'image', image_url: 'https://mk.example/avatar/alice.png', alt_text: 'Alice' },
          { type: 'mrkdwn', text: '*<https://mk.example/@alice|Alice>*', verbatim: true },
        ],
      },
      { type: 'header', text: { type: 'plain_text', text: 'New follower' } },
      { type: 'section', text: { type: 'mrkdwn', text: '*Alice* followed you', verbatim: true } },
      {
        type: 'context',
        elements: [
          { type: 'mrkdwn', text: '<!date^1714566896^{date_short_pretty} {time}|2024-05-01 12:34 UTC>', verbatim: true },
          { type: 'mrkdwn', text: '<https://mk.example/@alice|open>', verbatim: true },
        ],
      },
    ]);
    expect(fake.requests.map((r) => r.route)).toEqual(['auth.test', 'chat.postMessage']);
    expect(fake.requests[1]?.headers.authorization).toBe(`Bearer ${fake.bot.token}`);
    expect(sink.health()).toEqual({ ok: true });
    expect(sink.lane).toBe('slack:C0ALERTS01');
    expect(sink.maxBatch).toBe(10);
  });

  test('build() returns exactly the arguments chat.postMessage receives', async () => {
    const { fake, sink } = await botHarness({ username: 'Misskey', iconUrl: 'https://mk.example/icon.png', unfurl: true });
    const d = delivery(message({ fields: [{ name: 'Reason', value: 'spam', inline: true }], images: [image('https://mk.example/a.jpg', { alt: 'cat' })] }));
    await sink.send(d);
    expect(fake.messages[0]?.args).toEqual(sink.build(d));
    expect(sink.build(d)).toMatchObject({ channel: 'C0ALERTS01', username: 'Misskey', icon_url: 'https://mk.example/icon.png', unfurl_links: true, unfurl_media: true });
  });

  test('resolves #name once through every page of conversations.list', async () => {
    const channels: FakeChannelSpec[] = Array.from({ length: 450 }, (_, i) => ({ id: `C0FILL${String(i).padStart(4, '0')}`, name: `channel-${i}` }));
    channels.push({ id: 'C0PRIVATE1', name: 'ops', private: true });
    const { fake, sink } = await botHarness({ channel: '#ops' }, { channels, maxPageSize: 100 });

    await sink.start();
    await sink.send(delivery(message()));
    await sink.send(delivery(message()));

    const lists = fake.requests.filter((r) => r.route === 'conversations.list');
    expect(lists.length).toBe(5);
    expect(lists[0]?.params).toMatchObject({ types: 'public_channel,private_channel', exclude_archived: true });
    expect(fake.messagesIn('C0PRIVATE1')).toHaveLength(2);
    expect(sink.lane).toBe('slack:#ops');
    expect(sink.build(delivery(message()))).toMatchObject({ channel: 'C0PRIVATE1' });
  });

  test('a #name that does not resolve is a clear start-up error', async () => {
    const { sink } = await botHarness({ channel: '#nowhere' }, { channels: [{ id: 'C0SECRET01', name: 'nowhere', private: true, member: false }] });
    await expect(sink.start()).rejects.toThrow(/Slack channel #nowhere was not found.*sinks\.alerts\.channel.*\/invite @bridge/);
  });

  test('a conversations.list rate limit at start-up is waited out', async () => {
    const { fake, sink } = await botHarness({ channel: '#alerts' });
    fake.inject('conversations.list', { kind: 'ratelimited', retryAfter: 1 });
    await sink.start();
    expect(fake.requests.filter((r) => r.route === 'conversations.list')).toHaveLength(2);
  });

  test('a bad token fails start-up naming the key to fix, never the token', async () => {
    const { sink } = await botHarness({ token: 'xoxb-wrong-token-123456' });
    const failure = sink.start();
    await expect(failure).rejects.toThrow(/invalid_auth.*sinks\.alerts\.token/);
    await expect(failure).rejects.not.toThrow(/xoxb-wrong/);
  });

  test('an unreachable API fails start-up clearly', async () => {
    const { fake, sink } = await botHarness();
    fake.inject('auth.test', { kind: 'reset' });
    await expect(sink.start()).rejects.toThrow(/cannot reach Slack at http:\/\/127\.0\.0\.1:\d+\/api\//);
  });
});

// ---- webhook mode ---------------------------------------------------------------------------

describe('Slack sink, incoming webhook', () => {
  test('posts the blocks as JSON; the lane and logs hold no secret', async () => {
    const { fake, sink, logs } = await webhookHarness();
    await sink.start();
    expect(fake.requests).toHaveLength(0);

    const d = delivery(message({ author: { name: 'Bob', iconUrl: 'https://mk.example/bob.gif' } }));
    const verdict = await sink.send(d);

    expect(verdict.kind).toBe('delivered');
    expect(fake.messages).toHaveLength(1);
    expect(fake.messages[0]).toMatchObject({ via: 'webhook', channel: 'C0ALERTS01', text: 'hello from Misskey', username: undefined });
    expect(fake.requests[0]?.headers['content-type']).toBe('application/json');
    expect(fake.messages[0]?.args).toEqual(sink.build(d));
    expect(sink.build(d)).not.toHaveProperty('username');
    expect(sink.lane).toBe('slack:webhook:T000/B000');
    expect(logs()).not.toContain(WEBHOOK_SECRET);
  });

  test.each([
    [{ kind: 'status', status: 404, body: 'no_service' }, 'failed', true, /no longer exists.*sinks\.hook\.webhookUrl/],
    [{ kind: 'status', status: 410, body: 'channel_is_archived' }, 'failed', true, /archived/],
    [{ kind: 'status', status: 403, body: 'action_prohibited' }, 'failed', true, /action_prohibited/],
    [{ kind: 'status', status: 400, body: 'user_not_found' }, 'failed', true, /user_not_found/],
    [{ kind: 'status', status: 400, body: 'invalid_payload' }, 'failed', false, /400 invalid_payload/],
    [{ kind: 'status', status: 400, body: 'no_text' }, 'failed', false, /no_text/],
    [{ kind: 'status', status: 400, body: 'missing_text_or_fallback_or_attachments' }, 'failed', false, /missing_text/],
    [{ kind: 'status', status: 500, body: 'rollup_error' }, 'retry', undefined, /500 rollup_error/],
    [{ kind: 'reset' }, 'retry', undefined, /network error/],
  ] as const)('webhook answer %j → %s', async (fault, kind, sinkBroken, reason) => {
    const { fake, sink, logs } = await webhookHarness();
    fake.inject('webhook', fault);
    const verdict = await sink.send(delivery(message()));
    expect(verdict.kind).toBe(kind);
    if (verdict.kind === 'failed') expect(verdict.sinkBroken).toBe(sinkBroken);
    expect(verdict.kind !== 'delivered' && verdict.reason).toMatch(reason);
    expect(sink.health().ok).toBe(!sinkBroken);
    expect(JSON.stringify(verdict) + logs()).not.toContain(WEBHOOK_SECRET);
  });

  test('webhook 429 → retry after Retry-After seconds, in ms', async () => {
    const { fake, sink } = await webhookHarness();
    fake.inject('webhook', { kind: 'ratelimited', retryAfter: 7 });
    expect(await sink.send(delivery(message()))).toMatchObject({ kind: 'retry', afterMs: 7000, rateLimited: true });
  });

  test('a webhook whose channel was archived reports it and recovers after a good send', async () => {
    const { fake, sink } = await webhookHarness();
    fake.channel('C0ALERTS01').archived = true;
    expect(await sink.send(delivery(message()))).toMatchObject({ kind: 'failed', sinkBroken: true });
    expect(sink.health()).toEqual({ ok: false, reason: expect.stringMatching(/channel is archived/) });
    fake.channel('C0ALERTS01').archived = false;
    expect((await sink.send(delivery(message()))).kind).toBe('delivered');
    expect(sink.health()).toEqual({ ok: true });
  });
});

// ---- mentions and hostile text --------------------------------------------------------------

describe('Slack sink, nothing pings', () => {
  const hostile = message({
    // what the renderer produced from a hostile note: escaped, plus raw sequences a template could add
    text: 'ping &lt;!channel&gt; &lt;@U024BE7LH&gt; and <!here> <!everyone> <@U0HOSTILE|admin> <!subteam^S0123|@ops> @here @channel &amp; *bold* <https://evil.example/?q=1|a link>',
    plain: 'ping <!channel> <@U024BE7LH> and @here <script>alert(1)</script>',
    title: 'Alert <!channel> &lt;b&gt;',
    footer: 'footer <!here> & </b>',
    author: { name: '<!channel> Mallory & <@U1>', url: 'https://mk.example/@mallory?x=|y>z', iconUrl: 'https://mk.example/m.png' },
    fields: [{ name: 'Reporter <!here>', value: '<@U999> `code`', inline: true }],
    images: [image('https://mk.example/a.png', { alt: '<!channel> alt & more' })],
    url: 'https://mk.example/notes/1',
  });

  test('with allowMentions false no ping sequence reaches Slack, and the text stays literal', async () => {
    const { fake, sink } = await botHarness();
    expect((await sink.send(delivery(hostile))).kind).toBe('delivered');
    const posted = fake.messages[0]!;
    expect(posted.pings).toEqual([]);
    expect(posted.text).toBe('ping &lt;!channel&gt; &lt;@U024BE7LH&gt; and @here &lt;script&gt;alert(1)&lt;/script&gt;');
    const texts = textsOf(blocksOf(fake)).join('\n');
    expect(texts).toContain('&lt;!here&gt; &lt;!everyone&gt; &lt;@U0HOSTILE|admin&gt; &lt;!subteam^S0123|@ops&gt;');
    expect(texts).toContain('<https://evil.example/?q=1|a link>');
    expect(texts).toContain('*<https://mk.example/@mallory?x=%7Cy%3Ez|&lt;!channel&gt; Mallory &amp; &lt;@U1&gt;>*');
    expect(texts).toContain('footer &lt;!here&gt; &amp; &lt;/b&gt;');
    expect(texts).toContain('*Reporter &lt;!here&gt;*\n&lt;@U999&gt; `code`');
    expect(blocksOf(fake)).toContainEqual({ type: 'header', text: { type: 'plain_text', text: 'Alert <!channel> <b>' } });
    expect(blocksOf(fake)).toContainEqual({ type: 'image', image_url: 'https://mk.example/a.png', alt_text: '<!channel> alt & more' });
  });

  test('the same message on an incoming webhook pings nobody either', async () => {
    const { fake, sink } = await webhookHarness();
    expect((await sink.send(delivery(hostile))).kind).toBe('delivered');
    expect(fake.messages[0]?.pings).toEqual([]);
  });

  test('with allowMentions true the template’s mentions go through', async () => {
    const { fake, sink } = await botHarness({ allowMentions: true });
    await sink.send(delivery(message({ text: 'on call: <!subteam^S0123> <@U024BE7LH>' })));
    expect(fake.messages[0]?.pings).toEqual(['/blocks/0/text/text: <!subteam^S0123>', '/blocks/0/text/text: <@U024BE7LH>']);
  });
});

// ---- limits ---------------------------------------------------------------------------------

describe('Slack sink, limits', () => {
  test('a very long text is split across sections at line ends and capped', async () => {
    const { fake, sink, logs } = await botHarness();
    const text = prose(60_000);
    expect((await sink.send(delivery(message({ text, plain: text })))).kind).toBe('delivered');

    const sections = blocksOf(fake).filter((b): b is Extract<Block, { type: 'section'; text: unknown }> => b.type === 'section' && 'text' in b);
    expect(sections.length).toBeGreaterThan(2);
    const pieces = sections.map((s) => s.text.text);
    for (const piece of pieces) expect(piece.length).toBeLessThanOrEqual(SECTION_TEXT_MAX);
    for (const piece of pieces.slice(0, -1)) expect(text).toContain(piece);
    expect(pieces.at(-1)).toMatch(/…$/);
    expect(pieces.join('').length).toBeLessThanOrEqual(BLOCKS_TEXT_BUDGET);
    expect(fake.messages[0]?.text?.length).toBeLessThanOrEqual(FALLBACK_TEXT_MAX);
    expect(logs()).toMatch(/"cut":\["text","text \(fallback\)"\].*shortened/);
  });

  test('a code block cut between sections is closed and reopened; links are never cut', async () => {
    const { fake, sink } = await botHarness();
    const link = '<https://mk.example/some/long/path|a link label>';
    const code = Array.from({ length: 150 }, (_, i) => `line ${i} of code ${link}`).join('\n');
    const text = `intro\n\`\`\`\n${code}\n\`\`\`\noutro`;
    expect((await sink.send(delivery(message({ text })))).kind).toBe('delivered');
    const pieces = textsOf(blocksOf(fake)).filter((t) => t.includes('line'));
    expect(pieces.length).toBeGreaterThan(1);
    for (const piece of pieces) {
      expect(piece.split('```').length % 2).toBe(1);
      expect(piece.replace(/<https:\/\/mk\.example\/some\/long\/path\|a link label>/g, '')).not.toMatch(/[<>]/);
    }
  });

  test('an unbroken 10,000-character word is cut at a grapheme boundary', async () => {
    const { fake, sink } = await botHarness();
    const text = '👩‍👩‍👧'.repeat(1500);
    expect((await sink.send(delivery(message({ text })))).kind).toBe('delivered');
    for (const piece of textsOf(blocksOf(fake))) {
      expect(piece.replace(/…$/, '').replace(/(?:👩‍👩‍👧)+/u, '')).toBe('');
    }
  });

  test('60 images: four shown inline, the rest linked, sensitive and WebP ones never inline', async () => {
    const { fake, sink, logs } = await botHarness({ unfurl: true });
    const images = Array.from({ length: 60 }, (_, i) =>
      image(i % 3 === 0 ? `https://mk.example/files/${i}.webp` : `https://mk.example/files/${i}.png`, { alt: `picture ${i}`, sensitive: i % 5 === 0 }),
    );
    expect((await sink.send(delivery(message({ images })))).kind).toBe('delivered');
    const blocks = blocksOf(fake);
    expect(blocks.length).toBeLessThanOrEqual(MAX_BLOCKS);
    const inline = blocks.filter((b) => b.type === 'image');
    expect(inline.map((b) => (b as { image_url: string }).image_url)).toEqual([
      'https://mk.example/files/1.png',
      'https://mk.example/files/2.png',
      'https://mk.example/files/4.png',
      'https://mk.example/files/7.png',
    ]);
    const links = textsOf(blocks).find((t) => t.includes('files/0.webp'));
    expect(links).toContain('<https://mk.example/files/0.webp|⚠ sensitive: picture 0>');
    expect(links).toMatch(/\+\d+ more$/);
    expect(fake.messages[0]?.args).toMatchObject({ unfurl_links: true, unfurl_media: false });
    expect(logs()).toContain('"cut":["images"]');
  });

  test('when Slack cannot fetch an image, the message goes again with images as links', async () => {
    const { fake, sink, logs } = await botHarness({}, { unreachableImageHosts: ['media.remote.example'] });
    const remote = message({
      author: { name: 'Remote', iconUrl: 'https://media.remote.example/avatar.png' },
      images: [image('https://media.remote.example/cat.png', { alt: 'a cat' })],
    });
    expect((await sink.send(delivery(remote))).kind).toBe('delivered');
    expect(fake.requests.filter((r) => r.route === 'chat.postMessage').map((r) => r.status)).toEqual([200, 200]);
    expect(JSON.stringify(blocksOf(fake))).not.toContain('"type":"image"');
    expect(textsOf(blocksOf(fake))).toContain('<https://media.remote.example/cat.png|a cat>');
    expect(logs()).toContain('could not fetch an image');
  });

  test('a digest of 10 full messages stays within 50 blocks and the text budget, in order', async () => {
    const { fake, sink } = await botHarness();
    const messages = Array.from({ length: 10 }, (_, i) =>
      message({
        title: `Report ${i}`,
        text: prose(4000, `m${i}w`),
        plain: `report ${i}`,
        author: { name: `user${i}`, iconUrl: `https://mk.example/u${i}.png` },
        footer: 'abuse report',
        url: `https://mk.example/reports/${i}`,
        timestamp: '2024-05-01T12:00:00Z',
        fields: Array.from({ length: 12 }, (_, f) => ({ name: `field ${f}`, value: prose(300), inline: true })),
        images: [image(`https://mk.example/${i}-a.png`), image(`https://mk.example/${i}-b.png`)],
      }),
    );
    expect(await sink.send({ key: 'job-7', messages })).toMatchObject({ kind: 'delivered' });
    const blocks = blocksOf(fake);
    expect(blocks.length).toBeLessThanOrEqual(MAX_BLOCKS);
    expect(blocks.filter((b) => b.type === 'divider')).toHaveLength(9);
    const all = textsOf(blocks).join('\n');
    const order = Array.from({ length: 10 }, (_, i) => all.indexOf(`*Report ${i}*`));
    expect(order.every((at, i) => at >= 0 && (i === 0 || at > order[i - 1]!))).toBe(true);
    expect(textsOf(blocks).join('').length).toBeLessThanOrEqual(BLOCKS_TEXT_BUDGET);
    expect(fake.messages[0]?.text).toBe(messages.map((m) => m.plain).join('\n\n'));
    expect(fake.messages[0]?.username).toBeUndefined();
  });

  test('a long title, 25 fields of 3,000 characters and a huge footer are cut to fit', async () => {
    const { fake, sink } = await botHarness();
    const fields = Array.from({ length: 25 }, (_, i) => ({ name: `f${i}`, value: prose(3000), inline: false }));
    const verdict = await sink.send(delivery(message({ title: 'T'.repeat(400), fields, footer: 'x '.repeat(1000) })));
    expect(verdict.kind).toBe('delivered');
    const header = blocksOf(fake).find((b) => b.type === 'header') as { text: { text: string } };
    expect(header.text.text).toHaveLength(150);
  });
});

// ---- any message --------------------------------------------------------------------------

describe('Slack sink, arbitrary messages', () => {
  const piece = fc.oneof(
    fc.string({ unit: 'grapheme', maxLength: 40 }),
    fc.constantFrom('<!here>', '<@U0X|x>', '<!subteam^S1>', '&amp;', '&lt;', '<', '>', '&', '|', '```', '\n', '\n\n', '*', '_', ' ', '@channel', '👩‍👩‍👧'),
    fc.constantFrom('<https://mk.example/notes/1|note>', '<!date^1714566896^{date}|May 1>'),
    fc.integer({ min: 100, max: 5000 }).map((n) => prose(n)),
  );
  const text = fc.array(piece, { maxLength: 12 }).map((parts) => parts.join(''));
  const url = fc.oneof(fc.webUrl(), fc.constantFrom('https://mk.example/a.png', 'https://mk.example/b.webp', `https://mk.example/${'p'.repeat(2990)}.png`, 'javascript:alert(1)', 'not a url', ''));
  const arbitraryMessage = fc.record({
    event: fc.constantFrom('note', 'followed', 'abuseReport'),
    text,
    plain: text,
    title: fc.option(text, { nil: undefined }),
    footer: fc.option(text, { nil: undefined }),
    author: fc.option(fc.record({ name: text, url: fc.option(url, { nil: undefined }), iconUrl: fc.option(url, { nil: undefined }) }), { nil: undefined }),
    url: fc.option(url, { nil: undefined }),
    timestamp: fc.option(fc.constantFrom('2024-05-01T12:34:56Z', 'garbage'), { nil: undefined }),
    images: fc.array(fc.record({ url, alt: text, sensitive: fc.boolean() }), { maxLength: 20 }),
    fields: fc.array(fc.record({ name: text, value: text, inline: fc.boolean() }), { maxLength: 15 }),
  });

  test('every delivery of 1–10 messages is accepted by the fake and pings nobody', async () => {
    const { fake, sink } = await botHarness();
    await fc.assert(
      fc.asyncProperty(fc.array(arbitraryMessage, { minLength: 1, maxLength: 10 }), async (messages) => {
        const verdict = await sink.send({ key: 'job-x', messages });
        expect(verdict).toMatchObject({ kind: 'delivered' });
        expect(fake.messages.at(-1)?.pings).toEqual([]);
      }),
      { numRuns: 60 },
    );
  });
});

// ---- errors → verdicts ----------------------------------------------------------------------

describe('Slack sink, verdicts', () => {
  test.each([
    ['internal_error', 'retry', false],
    ['fatal_error', 'retry', false],
    ['service_unavailable', 'retry', false],
    ['request_timeout', 'retry', false],
    ['not_authed', 'failed', true],
    ['invalid_auth', 'failed', true],
    ['account_inactive', 'failed', true],
    ['token_revoked', 'failed', true],
    ['channel_not_found', 'failed', true],
    ['not_in_channel', 'failed', true],
    ['is_archived', 'failed', true],
    ['missing_scope', 'failed', true],
    ['restricted_action', 'failed', true],
    ['restricted_action_read_only_channel', 'failed', true],
    ['ekm_access_denied', 'failed', true],
    ['invalid_blocks', 'failed', false],
    ['msg_too_long', 'failed', false],
    ['no_text', 'failed', false],
    ['msg_blocks_too_long', 'failed', false],
    ['invalid_arguments', 'failed', false],
    ['too_many_attachments', 'failed', false],
  ] as const)('%s → %s (sink broken: %s)', async (error, kind, broken) => {
    const { fake, sink, logs } = await botHarness();
    fake.inject('chat.postMessage', { kind: 'error', error });
    const verdict = await sink.send(delivery(message()));
    expect(verdict.kind).toBe(kind);
    if (verdict.kind === 'failed') expect(Boolean(verdict.sinkBroken)).toBe(broken);
    expect(sink.health().ok).toBe(!broken);
    if (broken) expect(logs()).toMatch(/"level":50.*sinks\.alerts|"level":50.*\/invite|"level":50.*admin/);
    expect(JSON.stringify(verdict) + logs()).not.toContain(fake.bot.token);
  });

  test('invalid_blocks keeps Slack’s errors in the reason and the log', async () => {
    const { fake, sink, logs } = await botHarness();
    fake.inject('chat.postMessage', { kind: 'error', error: 'invalid_blocks', extra: { errors: ['must be less than 3001 characters [json-pointer:/blocks/0/text/text]'] } });
    const verdict = await sink.send(delivery(message()));
    expect(verdict).toMatchObject({ kind: 'failed', reason: expect.stringContaining('json-pointer:/blocks/0/text/text') });
    expect(logs()).toContain('must be less than 3001 characters');
  });

  test('429 → retry after Retry-After seconds, in ms, marked rate limited', async () => {
    const { fake, sink } = await botHarness();
    fake.inject('chat.postMessage', { kind: 'ratelimited', retryAfter: 3 });
    expect(await sink.send(delivery(message()))).toEqual({ kind: 'retry', reason: expect.stringMatching(/429/), afterMs: 3000, rateLimited: true });
    expect(fake.requests.filter((r) => r.route === 'chat.postMessage')).toHaveLength(1);
  });

  test('the per-channel rate limit answers 429 with the wait, and the next send after it passes', async () => {
    const { fake, sink } = await botHarness({}, { rateLimit: { perSecond: 1, burst: 1 }, timeScale: 20 });
    expect((await sink.send(delivery(message()))).kind).toBe('delivered');
    const limited = await sink.send(delivery(message()));
    expect(limited).toMatchObject({ kind: 'retry', afterMs: 1000, rateLimited: true });
    expect(fake.requests.at(-1)?.status).toBe(429);
    await new Promise((resolve) => setTimeout(resolve, 1000 / 20 + 20));
    expect((await sink.send(delivery(message()))).kind).toBe('delivered');
  });

  test.each([
    [{ kind: 'status', status: 503 }, /HTTP 503/],
    [{ kind: 'status', status: 500, body: '<html>oops</html>' }, /HTTP 500/],
    [{ kind: 'reset' }, /network error/],
    [{ kind: 'latency', ms: 1500 }, /network error.*(timeout|abort)/i],
  ] as const)('%j → retry', async (fault, reason) => {
    const { fake, sink } = await botHarness();
    fake.inject('chat.postMessage', fault);
    const verdict: Verdict = await sink.send(delivery(message()));
    expect(verdict).toMatchObject({ kind: 'retry', reason: expect.stringMatching(reason) });
    expect(sink.health()).toEqual({ ok: true });
  });

  test('real channel states give operator-readable reasons', async () => {
    const { fake, sink } = await botHarness({ channel: '#alerts' });
    await sink.start();

    fake.channel('alerts').member = false;
    expect(await sink.send(delivery(message()))).toMatchObject({ kind: 'failed', sinkBroken: true });
    expect(sink.health()).toEqual({ ok: false, reason: expect.stringContaining('invite it there with /invite @bridge') });

    fake.channel('alerts').member = true;
    fake.channel('alerts').archived = true;
    await sink.send(delivery(message()));
    expect(sink.health()).toEqual({ ok: false, reason: expect.stringMatching(/#alerts is archived \(is_archived\)/) });

    fake.channel('alerts').archived = false;
    expect((await sink.send(delivery(message()))).kind).toBe('delivered');
    expect(sink.health()).toEqual({ ok: true });

    fake.revokeToken(fake.bot.token);
    expect(await sink.send(delivery(message()))).toMatchObject({ kind: 'failed', sinkBroken: true, reason: expect.stringMatching(/token_revoked.*reinstall the app and update sinks\.alerts\.token/) });
  });

  test('missing chat:write.customize: logs once, drops username and icon, still delivers', async () => {
    const { fake, sink, logs } = await botHarness({}, { tokens: [{ token: 'xoxb-plain-scopes', scopes: ['chat:write'] }] });
    const authored = message({ author: { name: 'Alice', iconUrl: 'https://mk.example/alice.png' } });

    expect((await sink.send(delivery(authored))).kind).toBe('delivered');
    expect((await sink.send(delivery(authored))).kind).toBe('delivered');

    expect(fake.messages).toHaveLength(2);
    expect(fake.messages.every((m) => m.username === undefined && m.icon_url === undefined)).toBe(true);
    expect(fake.requests.filter((r) => r.route === 'chat.postMessage')).toHaveLength(3);
    const warnings = logs().split('\n').filter((line) => line.includes('"level":40'));
    expect(warnings.filter((line) => line.includes('chat:write.customize'))).toHaveLength(1);
    expect(sink.health()).toEqual({ ok: true });
    expect(sink.build(delivery(authored))).not.toHaveProperty('username');
  });

  test('missing chat:write itself is a broken sink', async () => {
    const { sink } = await botHarness({}, { tokens: [{ token: 'xoxb-no-write', scopes: ['channels:read'] }] });
    expect(await sink.send(delivery(message()))).toMatchObject({ kind: 'failed', sinkBroken: true, reason: expect.stringContaining('lacks the scope chat:write') });
  });
});
