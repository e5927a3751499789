/**
 * Links in a note that pretend to lead elsewhere, through the whole bridge into Discord, Slack and
 * Matrix: a label naming another host is followed by the real one, internationalised hosts show in
 * punycode.
 */
import { hostileNote, nextItem, startReadyBridge } from '../helpers/e2e';
import { startDiscordFake } from '../fakes/discord-fake';
import { startMatrixFake } from '../fakes/matrix-fake';
import { startSlackFake } from '../fakes/slack-fake';

const ROOM = '!misskey:example.org';
const TEXT = 'log in: [https://bank.example/login](https://evil.example/phish), or [bank.example](https://evil.example/), see <https://bücher.example/>';

/** What a reader sees: markdown escapes and zero-width spaces left out. */
const visible = (value: unknown) => JSON.stringify(value).replace(/\\\\(?=[-_*~[\]#>|`\\])/g, '').replace(/\\u200b|\u200b/g, '');

describe('a link whose label names another host', () => {
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  it('shows the real host and punycode on Discord, Slack and Matrix', async () => {
    const discord = await startDiscordFake();
    const slack = await startSlackFake();
    const matrix = await startMatrixFake({ rooms: [{ id: ROOM, members: ['@bot:example.org'] }] });
    cleanups.push(() => discord.close(), () => slack.close(), () => matrix.close());
    const bridge = await startReadyBridge(
      {
        discord: `{ type: discord, webhookUrl: "${discord.addWebhook().url}" }`,
        slack: `{ type: slack, webhookUrl: "${slack.webhookUrl}" }`,
        matrix: `{ type: matrix, homeserver: "${matrix.url}", accessToken: bot-access-token, room: "${ROOM}" }`,
      },
      { digestThreshold: 0 },
      cleanups,
    );
    await bridge.post('alice', hostileNote({ eventId: 'a1111111-0000-4000-8000-000000000001', text: TEXT }));

    const shown = [
      visible((await nextItem(() => discord.messages, 0)).body),
      visible((await nextItem(() => slack.messages, 0)).blocks),
      visible((await nextItem(() => matrix.timeline(ROOM), 0)).content),
    ];
    for (const text of shown) {
      expect(text.split('(→ evil.example)').length - 1).toBeGreaterThanOrEqual(2);
      expect(text).toContain('https://xn--bcher-kva.example/');
      expect(text).not.toContain('bücher');
    }
  });
});
