/**
 * Conversations end to end, on each platform's fake: replies land in their parent's thread in order,
 * a resolved report edits its card, an edited note updates its message, and the message map
 * survives a restart (SQLite store).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import type { Store } from '../../src/store/store';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/store';
import { eventually, startTestBridge, testConfig, type TestBridge } from '../helpers/bridge';
import { noteBody, noteJson, replyChain, reportBody } from '../helpers/conversation';
import { bridgeYaml, readyz, sourceOf } from '../helpers/e2e';
import { startSlackFake, type SlackFake } from '../fakes/slack-fake';
import { startMatrixFake, type MatrixFake } from '../fakes/matrix-fake';
import { startDiscordFake, type DiscordFake } from '../fakes/discord-fake';

type Body = Record<string, unknown>;

/** What the tests need to know of a platform's messages. */
interface Seen {
  id: string;
  /** the root of the thread it is in, if any */
  thread?: string;
  text: string;
  edits: number;
}

interface PlatformUnderTest {
  name: string;
  /** `thread` names the thread's root (Slack, Matrix), or the message answered (Discord replies and links) */
  answers: 'root' | 'parent';
  start(): Promise<void>;
  sinkYaml(): string;
  /** how `{{time …}}` shows on the platform */
  time: RegExp;
  /** the platform's strikethrough of a line of text, as it shows in `text` */
  struck(line: string): string;
  /** the sink's start-up check answers only after `ms`: the worker sends nothing before */
  slowStart(ms: number): void;
  messages(): Seen[];
  close(): Promise<void>;
}

function slack(): PlatformUnderTest {
  let fake: SlackFake;
  return {
    name: 'Slack',
    answers: 'root',
    start: async () => {
      fake = await startSlackFake();
    },
    sinkYaml: () => `{ type: slack, token: xoxb-fake-bot-token, channel: C0ALERTS01, apiUrl: "${fake.apiUrl}" }`,
    struck: (line) => `~${line}~`,
    time: /<!date\^\d+\^\{date_short_pretty\} \{time\}\|[^>]+>/,
    slowStart: (ms) => fake.inject('auth.test', { kind: 'latency', ms }),
    messages: () =>
      fake.messages.map((m) => ({ id: m.ts ?? '', thread: m.thread_ts, text: `${m.text ?? ''}\n${JSON.stringify(m.blocks ?? [])}`, edits: m.edits })),
    close: () => fake.close(),
  };
}

function matrix(): PlatformUnderTest {
  const room = '!misskey:example.org';
  let fake: MatrixFake;
  return {
    name: 'Matrix',
    answers: 'root',
    start: async () => {
      fake = await startMatrixFake({ rooms: [{ id: room, members: ['@bot:example.org'] }] });
    },
    sinkYaml: () => `{ type: matrix, homeserver: "${fake.url}", accessToken: bot-access-token, room: "${room}" }`,
    struck: (line) => `<del>${line}</del>`,
    time: /[A-Z][a-z]{2} \d{1,2}, \d{4}, \d{1,2}:\d{2}/,
    slowStart: (ms) => fake.inject('whoami', { kind: 'latency', ms }),
    messages: () =>
      fake.shown(room).map(({ event, content, edits, thread }) => ({
        id: event.eventId,
        thread,
        text: `${String(content.body)}\n${String(content.formatted_body)}`,
        edits,
      })),
    close: () => fake.close(),
  };
}

/** Discord through a webhook, a bot that may start threads, or a bot without that permission. */
function discord(mode: 'webhook' | 'bot' | 'bot without thread permission'): () => PlatformUnderTest {
  return () => {
    let fake: DiscordFake;
    let sink = '';
    return {
      name: `Discord (${mode})`,
      // a bot's replies go into a thread started from the root; the others reply to (or link) their parent
      answers: mode === 'bot' ? 'root' : 'parent',
      start: async () => {
        fake = await startDiscordFake();
        if (mode === 'webhook') sink = `{ type: discord, webhookUrl: "${fake.addWebhook().url}" }`;
        else {
          const bot = fake.addBot({ threads: mode === 'bot' });
          sink = `{ type: discord, botToken: "${bot.token}", channelId: "${fake.addChannel().id}", apiBase: "${fake.url}" }`;
        }
      },
      sinkYaml: () => sink,
      struck: (line) => `~~${line}~~`,
      time: /<t:\d+:f>/,
      slowStart: (ms) => fake.inject({ kind: 'latency', ms, route: mode === 'webhook' ? 'webhook-get' : 'channel-get' }),
      messages: () =>
        fake.messages.map((m) => ({
          id: m.id,
          thread:
            fake.channel(m.channelId)?.starterId ??
            m.referenceId ??
            /^↪ in reply to https:\/\/discord\.com\/channels\/\d+\/\d+\/(\d+)/.exec(m.content)?.[1],
          text: `${m.content}\n${JSON.stringify(m.embeds)}`,
          edits: m.edits,
        })),
      close: () => fake.close(),
    };
  };
}

const PLATFORMS: (() => PlatformUnderTest)[] = [slack, matrix, discord('webhook'), discord('bot'), discord('bot without thread permission')];

describe.each(PLATFORMS.map((make) => [make().name, make] as const))('conversations on %s', (_name, make) => {
  let platform: PlatformUnderTest;
  let bridge: TestBridge | undefined;
  const cleanups: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    platform = make();
    await platform.start();
    cleanups.push(() => platform.close());
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
    bridge = undefined;
  });

  const start = async (extra = '', queue?: Store, waitReady = true) => {
    const started = await startTestBridge(testConfig(bridgeYaml({ chat: platform.sinkYaml() }, extra)), queue ? { store: queue } : {});
    cleanups.push(() => started.stop(1000));
    if (waitReady) await eventually(async () => expect((await readyz(started)).status).toBe(200));
    bridge = started;
    return started;
  };
  const post = async (body: Body, to = bridge!) => {
    const response = await to.post(sourceOf(body), body);
    // 202: a fork's event type (edited) is stored and routed all the same
    expect([202, 204]).toContain(response.status);
  };
  const messageWith = (text: string) => eventually(() => {
    const found = platform.messages().find((m) => m.text.includes(text));
    expect(found).toBeDefined();
    return found!;
  });

  it('puts a chain of 5 replies into the root note’s thread, in order', async () => {
    await start();
    const { root, replies } = replyChain('chain', 5);
    // sent as fast as Misskey might: the worker sees a backlog it would otherwise combine into a digest
    for (const body of [noteBody('note', root), ...replies.map((reply) => noteBody('reply', reply))]) await post(body);
    await eventually(() => expect(platform.messages()).toHaveLength(6), 10_000);
    const [first, ...rest] = platform.messages();
    expect(first!.text).toContain('root of the thread');
    expect(first!.thread).toBeUndefined();
    const answered = platform.answers === 'root' ? Array(5).fill(first!.id) : [first!.id, ...rest.slice(0, 4).map((m) => m.id)];
    expect(rest.map((m) => m.thread)).toEqual(answered);
    // each reply quotes its parent: its own number is the highest it shows
    const own = (text: string) => Math.max(...[...text.matchAll(/reply number (\d)/g)].map((match) => Number(match[1])));
    expect(rest.map((m) => own(m.text))).toEqual([1, 2, 3, 4, 5]);
  });

  it('sends a reply that arrived before its parent after the parent, in its thread', async () => {
    // both wait in the queue before the worker starts: the reply is first in line
    platform.slowStart(1000);
    await start('', undefined, false);
    const root = noteJson('earlyroot', 'the late parent');
    const reply = noteJson('earlyreply', 'the early reply', root);
    await post(noteBody('reply', reply));
    await post(noteBody('note', root));
    await eventually(() => expect(platform.messages()).toHaveLength(2), 10_000);
    const [first, second] = platform.messages();
    expect(first!.text).toContain('the late parent');
    expect(second!.text).toContain('the early reply');
    expect(second!.thread).toBe(first!.id);
  });

  it('edits the report’s card when it is resolved', async () => {
    await start();
    await post(reportBody('rep1'));
    const card = await messageWith('rep1');
    expect(card.edits).toBe(0);
    await post(reportBody('rep1', { resolvedAs: 'accept' }));
    await eventually(() => expect(platform.messages().find((m) => m.id === card.id)?.edits).toBe(1));
    expect(platform.messages()).toHaveLength(1);
    // the edited card says what was decided, by whom and when, and still shows the report
    const { text } = platform.messages()[0]!;
    expect(text).toContain('Abuse report resolved (accepted)');
    expect(text).toMatch(/Resolved.{0,20} as .{0,20}accept.{0,20} by .{0,30}Moderator/);
    expect(text).toMatch(platform.time);
    expect(text).not.toContain('forwarded');
    expect(text).toContain('had reported');
    expect(text).toContain('rep1');
  });

  it('shows a forwarded report as forwarded on its card', async () => {
    await start();
    await post(reportBody('fwd1'));
    const card = await messageWith('fwd1');
    await post(reportBody('fwd1', { resolvedAs: 'accept', forwarded: true }));
    await eventually(() => expect(platform.messages().find((m) => m.id === card.id)?.edits).toBe(1));
    const { text } = platform.messages()[0]!;
    expect(text).toContain('Abuse report resolved (accepted) and forwarded');
    expect(text).toMatch(/forwarded.{0,10} to the reported user's server by .{0,30}Moderator/);
    expect(text).toMatch(platform.time);
  });

  it('posts a new message for a resolution whose report it never saw', async () => {
    await start();
    await post(reportBody('unseen', { resolvedAs: 'reject' }));
    const message = await messageWith('unseen');
    expect(message.text).toContain('Abuse report resolved (rejected)');
    expect(message.text).toMatch(platform.time);
    expect(message.edits).toBe(0);
  });

  it('updates a note’s message when the note is edited (Sharkey `edited`)', async () => {
    await start();
    await post(noteBody('note', noteJson('editme', 'first wording')));
    const original = await messageWith('first wording');
    await post(noteBody('edited', noteJson('editme', 'second wording')));
    await eventually(() => expect(platform.messages().find((m) => m.id === original.id)?.text).toContain('second wording'));
    expect(platform.messages()).toHaveLength(1);
  });

  it('strikes a note’s message when the note is deleted (`noteDeleted` with the note)', async () => {
    await start();
    await post(noteBody('note', noteJson('deleteme', 'words to strike')));
    const original = await messageWith('words to strike');
    await post(noteBody('noteDeleted', noteJson('deleteme', 'words to strike')));
    await eventually(() => expect(platform.messages().find((m) => m.id === original.id)?.edits).toBe(1));
    const [struck] = platform.messages();
    expect(platform.messages()).toHaveLength(1);
    expect(struck!.text).toContain(platform.struck('words to strike'));
    expect(struck!.text).toContain('was deleted');
    expect(struck!.text).toContain('(deleted)');
  });

  it('strikes the message of a note deleted by id alone (`{ noteId }`, `{ note: { id } }`)', async () => {
    await start();
    await post(noteBody('note', noteJson('byid1', 'gone by noteId')));
    await post(noteBody('note', noteJson('byid2', 'gone by note.id')));
    const first = await messageWith('gone by noteId');
    const second = await messageWith('gone by note.id');
    await post({ ...noteBody('noteDeleted', noteJson('byid1', '')), body: { noteId: 'byid1' } });
    await post({ ...noteBody('noteDeleted', noteJson('byid2', '')), body: { note: { id: 'byid2' } } });
    for (const original of [first, second]) {
      await eventually(() => expect(platform.messages().find((m) => m.id === original.id)?.edits).toBe(1));
      const now = platform.messages().find((m) => m.id === original.id)!;
      expect(now.text).toContain('This note was deleted');
      expect(now.text).not.toContain('gone by');
    }
    expect(platform.messages()).toHaveLength(2);
  });

  it('posts nothing for the deletion of a note it never posted', async () => {
    await start();
    await post({ ...noteBody('noteDeleted', noteJson('neverseen', '')), body: { noteId: 'neverseen' } });
    await post(noteBody('noteDeleted', noteJson('neverseen2', 'never shown here')));
    await post(noteBody('note', noteJson('afterdelete', 'sent after the deletions')));
    await messageWith('sent after the deletions');
    expect(platform.messages()).toHaveLength(1);
  });

  it('does not thread with threads: off', async () => {
    platform.sinkYaml = ((base) => () => base().replace(/ }$/, ', threads: off }'))(platform.sinkYaml.bind(platform));
    await start();
    const root = noteJson('offroot', 'unthreaded root');
    await post(noteBody('note', root));
    await messageWith('unthreaded root');
    await post(noteBody('reply', noteJson('offreply', 'unthreaded reply', root)));
    const reply = await messageWith('unthreaded reply');
    expect(reply.thread).toBeUndefined();
  });

  it('keeps the thread across a restart (SQLite store)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'bridge-conv-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const file = path.join(dir, 'bridge.db');
    const root = noteJson('restartroot', 'before the restart');
    const first = await start('', openSqliteStore({ path: file }));
    await post(noteBody('note', root), first);
    const parent = await messageWith('before the restart');
    await first.stop(1000);
    await first.store.close();

    const second = await start('', openSqliteStore({ path: file }));
    await post(noteBody('reply', noteJson('restartreply', 'after the restart', root)), second);
    const reply = await messageWith('after the restart');
    expect(reply.thread).toBe(parent.id);
  });
});

describe('Discord bot threads', () => {
  let fake: DiscordFake;
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const start = async (threads = true) => {
    fake = await startDiscordFake();
    cleanups.push(() => fake.close());
    const bot = fake.addBot({ threads });
    const channel = fake.addChannel();
    const sink = `{ type: discord, botToken: "${bot.token}", channelId: "${channel.id}", apiBase: "${fake.url}" }`;
    const bridge = await startTestBridge(testConfig(bridgeYaml({ chat: sink })));
    cleanups.push(() => bridge.stop(1000));
    await eventually(async () => expect((await readyz(bridge)).status).toBe(200));
    const post = async (body: Body) => expect([202, 204]).toContain((await bridge.post(sourceOf(body), body)).status);
    const find = (text: string) =>
      eventually(() => {
        const found = fake.messages.find((m) => JSON.stringify(m.embeds).includes(text));
        expect(found).toBeDefined();
        return found!;
      });
    return { bot, channel, post, find };
  };
  const threadRequests = () => fake.requests.filter((r) => r.route === 'message-thread');

  it('starts one thread from the root, named after it, and later replies to the root go into it', async () => {
    const { channel, post, find } = await start();
    const root = noteJson('namedroot', 'What should we call\nthe new server?');
    await post(noteBody('note', root));
    const starter = await find('the new server');
    await post(noteBody('reply', noteJson('named1', 'first answer', root)));
    const first = await find('first answer');
    await post(noteBody('reply', noteJson('named2', 'second answer', root)));
    const second = await find('second answer');

    expect(fake.threads).toHaveLength(1);
    const thread = fake.threads[0]!;
    expect(thread).toMatchObject({ id: starter.id, parentId: channel.id, name: 'What should we call the new server?', autoArchiveMinutes: 4320 });
    expect(starter.channelId).toBe(channel.id);
    expect([first.channelId, second.channelId]).toEqual([thread.id, thread.id]);
    // the map learnt the thread with the first reply: the second went straight in
    expect(threadRequests().map((r) => r.status)).toEqual([201]);
  });

  it('names the thread after the CW, never the text it hides', async () => {
    const { post, find } = await start();
    const root = { ...noteJson('cwroot', 'the hidden spoiler'), cw: 'Spoilers for the finale' };
    await post(noteBody('note', root));
    await find('Spoilers for the finale');
    await post(noteBody('reply', noteJson('cwreply', 'an answer under CW', root)));
    await find('an answer under CW');
    expect(fake.threads.map((t) => t.name)).toEqual(['Spoilers for the finale']);
  });

  it('uses the thread someone already started from the message (160004)', async () => {
    const { bot, channel, post, find } = await start();
    const root = noteJson('takenroot', 'a thread was started by hand');
    await post(noteBody('note', root));
    const starter = await find('a thread was started by hand');
    const made = await fetch(`${fake.apiBase}/v10/channels/${channel.id}/messages/${starter.id}/threads`, {
      method: 'POST',
      headers: { authorization: `Bot ${bot.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'by hand' }),
    });
    expect(made.status).toBe(201);
    await post(noteBody('reply', noteJson('takenreply', 'into the existing thread', root)));
    const reply = await find('into the existing thread');
    expect(reply.channelId).toBe(starter.id);
    expect(threadRequests().map((r) => r.status)).toEqual([201, 400]);
  });

  it('replies with message_reference when the bot may not start threads (50013)', async () => {
    const { channel, post, find } = await start(false);
    const { root, replies } = replyChain('noperm', 3);
    await post(noteBody('note', root));
    const starter = await find('root of the thread');
    for (const reply of replies) await post(noteBody('reply', reply));
    await eventually(() => expect(fake.messages).toHaveLength(4));
    expect(fake.threads).toHaveLength(0);
    expect(fake.messages.map((m) => m.channelId)).toEqual(Array(4).fill(channel.id));
    expect(fake.messages.map((m) => m.referenceId)).toEqual([undefined, starter.id, fake.messages[1]!.id, fake.messages[2]!.id]);
    // refused once, then not asked again for a while
    expect(threadRequests().map((r) => r.status)).toEqual([403]);
  });
});
