import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/store';
import type { SqliteStreamStateStore } from '../../src/store/sqlite/stream';
import { startMisskeyStreamFake, type MisskeyStreamFake } from '../fakes/misskey-stream-fake';
import { captureStdout, eventually, startTestBridge, testConfig, type TestBridge } from '../helpers/bridge';
import { mentionWith, notificationBody, occurrences, streamSourceYaml, streamState } from '../helpers/stream';

const TOKEN = 'alice-stream-token';

describe('stream source (fake Misskey streaming API, real sockets)', () => {
  const printed = captureStdout();
  let fake: MisskeyStreamFake;
  let bridge: TestBridge | undefined;
  let dir: string;
  let state: SqliteStreamStateStore;

  beforeEach(async () => {
    fake = await startMisskeyStreamFake({ unreadDelayMs: 100, chatDelayMs: 100, pingIntervalMs: 300, pongTimeoutMs: 1000 });
    fake.addToken(TOKEN);
    dir = mkdtempSync(path.join(os.tmpdir(), 'bridge-stream-'));
    state = streamState(path.join(dir, 'state.db'));
  });

  afterEach(async () => {
    await bridge?.stop(1000);
    bridge = undefined;
    await state.close();
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const start = async () => {
    const config = testConfig(
      `
sources:
  alice: ${streamSourceYaml(fake.url)}
sinks:
  terminal: { type: console }
routes:
  - name: everything
    events: "*"
    filter: { visibility: [public, home, followers, specified] }
    reactions: { window: 200ms }
    to: [terminal]
`,
      { STREAM_TOKEN: TOKEN },
    );
    // one store file across restarts, as in production: what was stored before a stop is known after it
    bridge = await startTestBridge(config, { store: openSqliteStore({ path: path.join(dir, 'bridge.db') }), streamState: state });
    await eventually(async () => expect((await readyz()).checks['stream:alice']).toBe('ok'), 10_000);
    return bridge;
  };
  const readyz = async () => (await (await fetch(`${bridge!.url}/readyz`)).json()) as { status: string; checks: Record<string, string> };

  it('relays a live notification once, though Misskey sends it twice', async () => {
    await start();
    const sent = fake.notify(mentionWith('live-one'));
    await eventually(() => expect(printed()).toContain('live-one'));
    // the unreadNotification copy has come and gone
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(occurrences(printed(), ['live-one']).get('live-one')).toBe(1);
    expect(await state.cursor('alice', 'notification')).toBe(sent.id);
    expect(fake.mainConnections()).toBe(1);
    // backfill never marks notifications read
    expect(fake.calls('i/notifications').every((call) => call.body.markAsRead === false)).toBe(true);
  });

  it('loses nothing and doubles nothing when the socket drops in the middle of a burst of 200', async () => {
    await start();
    const markers = Array.from({ length: 200 }, (_, n) => `burst${n}end`);
    for (const [n, marker] of markers.entries()) {
      fake.notify(mentionWith(marker));
      if (n === 100) fake.dropConnections();
    }
    await eventually(() => expect([...occurrences(printed(), markers).values()].every((count) => count >= 1)).toBe(true), 20_000);
    await new Promise((resolve) => setTimeout(resolve, 500));
    const counts = occurrences(printed(), markers);
    expect([...counts.entries()].filter(([, count]) => count !== 1)).toEqual([]);
    const states = await state.states();
    expect(states[0]!.backfilled).toBeGreaterThan(0);
    expect(states[0]!.cursor).toBe(fake.notifications().at(-1)!.id);
  });

  it('backfills what came while the bridge was stopped, oldest first', async () => {
    await start();
    fake.notify(mentionWith('before-stop'));
    await eventually(() => expect(printed()).toContain('before-stop'));
    await bridge!.stop(1000);
    bridge = undefined;
    for (let n = 0; n < 5; n++) fake.notify(mentionWith(`while-away-${n}.`));
    await start();
    await eventually(() => expect(printed()).toContain('while-away-4.'));
    const output = printed();
    const positions = [0, 1, 2, 3, 4].map((n) => output.indexOf(`while-away-${n}.`));
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(occurrences(output, ['before-stop']).get('before-stop')).toBe(1);
  });

  it('says how many it may have lost when an outage outlasts what Misskey keeps', async () => {
    await start();
    fake.notify(mentionWith('before-outage'));
    await eventually(async () => expect(await state.cursor('alice', 'notification')).not.toBeNull());
    await bridge!.stop(1000);
    bridge = undefined;
    // the fake keeps the newest 500, as Misskey does: the first 100 of these are gone
    for (let n = 0; n < 600; n++) fake.notify(mentionWith(`outage${n}end`));
    await start();
    await eventually(async () => expect(await state.cursor('alice', 'notification')).toBe(fake.notifications().at(-1)!.id), 10_000);
    const [status] = await state.states();
    expect(status!.lostGap).toMatch(/^500 or more notifications missed in a row; Misskey keeps only the newest ~500/);
    expect(status!.backfilled).toBe(500);
  });

  it('replaces a socket that goes silent', async () => {
    await start();
    fake.silence();
    fake.notify(mentionWith('after-silence'));
    // the silent socket hides the frame; the new connection's backfill brings it
    await eventually(() => expect(printed()).toContain('after-silence'), 10_000);
    expect(fake.upgrades().filter((upgrade) => upgrade.status === 101).length).toBeGreaterThanOrEqual(2);
  });

  it('names a revoked token in /readyz within 5 s, and recovers when it works again', async () => {
    await start();
    fake.revoke(TOKEN);
    const revokedAt = Date.now();
    await eventually(async () => {
      const ready = await readyz();
      expect(ready.status).toBe('not ready');
      expect(ready.checks['stream:alice']).toMatch(/token rejected/);
    }, 5000);
    expect(Date.now() - revokedAt).toBeLessThan(5000);
    const metrics = await (await fetch(`${bridge!.url}/metrics`)).text();
    expect(metrics).toMatch(/misskey_bridge_stream_token_rejected\{source="alice"\} 1/);
    // events while the token is rejected are backfilled once it works again
    fake.notify(mentionWith('during-revocation'));
    fake.restore(TOKEN);
    await eventually(async () => expect((await readyz()).checks['stream:alice']).toBe('ok'), 5000);
    await eventually(() => expect(printed()).toContain('during-revocation'), 5000);
  });

  it('backfills the chat messages that came while the bridge was stopped, once', async () => {
    const bob = notificationBody('mention').user as { id: string };
    const chat = (text: string) => misskeyChat(text, bob);
    await start();
    chat('chat before the stop');
    await eventually(() => expect(printed()).toContain('chat before the stop'));
    await bridge!.stop(1000);
    bridge = undefined;
    chat('chat while away, first');
    chat('chat while away, second');
    await new Promise((resolve) => setTimeout(resolve, 200));
    await start();
    await eventually(() => expect(printed()).toContain('chat while away, second'));
    const counts = occurrences(printed(), ['chat before the stop', 'chat while away, first', 'chat while away, second']);
    expect([...counts.values()]).toEqual([1, 1, 1]);
    expect(fake.calls('chat/messages/user-timeline').length).toBeGreaterThan(0);
  });

  const misskeyChat = (text: string, from: { id: string }) => fake.chat({ text, fromUserId: from.id, fromUser: from, toUserId: fake.user.id, toUser: { ...from, id: fake.user.id, username: 'alice' } });

  it('turns a follow request, a chat message and a reaction into their events', async () => {
    await start();
    fake.notify(notificationBody('receiveFollowRequest'));
    fake.notify(notificationBody('reaction'));
    fake.chat({ text: 'hello over chat', fromUserId: 'augr6oz0l58j0004', fromUser: (notificationBody('mention').user as object) });
    await eventually(() => {
      expect(printed()).toContain('── followRequest');
      expect(printed()).toContain('── reaction');
      expect(printed()).toContain('hello over chat');
    }, 10_000);
    expect(printed()).toContain('asked to follow you');
  });
});
