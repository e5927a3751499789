/**
 * Reactions to one note, read from the stream, reach a Discord webhook as one message per
 * window, each later window editing that message with the note's new counts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/store';
import type { SqliteStreamStateStore } from '../../src/store/sqlite/stream';
import { startDiscordFake, type DiscordFake } from '../fakes/discord-fake';
import { startMisskeyStreamFake, type MisskeyStreamFake } from '../fakes/misskey-stream-fake';
import { eventually, startTestBridge, testConfig, type TestBridge } from '../helpers/bridge';
import { notificationBody, streamSourceYaml, streamState } from '../helpers/stream';

const TOKEN = 'alice-stream-token';

describe('reactions grouped per note (stream source → Discord)', () => {
  let misskey: MisskeyStreamFake;
  let discord: DiscordFake;
  let bridge: TestBridge | undefined;
  let dir: string;
  let state: SqliteStreamStateStore;

  beforeEach(async () => {
    misskey = await startMisskeyStreamFake({ unreadDelayMs: 100 });
    misskey.addToken(TOKEN);
    discord = await startDiscordFake();
    dir = mkdtempSync(path.join(os.tmpdir(), 'bridge-reactions-'));
    state = streamState(path.join(dir, 'state.db'));
  });

  afterEach(async () => {
    await bridge?.stop(1000);
    await state.close();
    await discord.close();
    await misskey.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** the n-th reaction (1-based) by its own user; the note carries Misskey's counts after it */
  const reaction = (n: number) => {
    const body = notificationBody('reaction');
    const user = { ...(body.user as object), id: `user${n}`, username: `fan${n}` };
    const emoji = n % 5 === 0 ? '🎉' : '❤️';
    const reactions = { '❤️': n - Math.floor(n / 5), '🎉': Math.floor(n / 5) };
    return { ...body, userId: user.id, user, reaction: emoji, note: { ...(body.note as object), reactionCount: n, reactions } };
  };

  it('50 reactions within a few seconds: at most 3 requests, and the message ends counting all 50', async () => {
    const hook = discord.addWebhook();
    const config = testConfig(
      `
sources:
  alice: ${streamSourceYaml(misskey.url)}
sinks:
  chat: { type: discord, webhookUrl: "${hook.url}" }
routes:
  - { name: reactions, events: [reaction], to: [chat], reactions: { window: 1500ms } }
`,
      { STREAM_TOKEN: TOKEN },
    );
    bridge = await startTestBridge(config, { store: openSqliteStore({ path: ':memory:' }), streamState: state });
    await eventually(async () => expect(((await (await fetch(`${bridge!.url}/readyz`)).json()) as { checks: Record<string, string> }).checks['stream:alice']).toBe('ok'), 10_000);

    for (let n = 1; n <= 50; n++) {
      misskey.notify(reaction(n));
      await new Promise((resolve) => setTimeout(resolve, 40));
    }
    // posting and editing the message; the start-up check (webhook-get) aside
    const webhookRequests = () => discord.requests.filter((request) => request.route === 'webhook-execute' || request.route === 'webhook-message');
    await eventually(() => {
      const shown = JSON.stringify(discord.messages.at(-1)?.body ?? {});
      expect(shown).toContain('50 reactions to your note');
    }, 15_000);
    await new Promise((resolve) => setTimeout(resolve, 2000));
    expect(webhookRequests().length).toBeLessThanOrEqual(3);
    expect(discord.messages).toHaveLength(1);
    const final = JSON.stringify(discord.messages[0]!.body);
    expect(final).toContain('❤️ 40 · 🎉 10');
    expect(final).toMatch(/@fan\d+/);
  });
});
