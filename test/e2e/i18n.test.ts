/**
 * One config, two languages: a sink set to `ja` beside one set to `en` (through the top-level
 * default) each get their own wording of the same event, through real HTTP (webhook in → queue →
 * worker → @slack/web-api → the Slack fake), buttons and moderation answers included.
 */
import { createHmac } from 'node:crypto';
import { eventually, SECRET, startTestBridge, testConfig, type TestBridge } from '../helpers/bridge';
import { reportBody } from '../helpers/conversation';
import { readyz, slackVisible } from '../helpers/e2e';
import { fixture } from '../helpers/fixtures';
import { startMisskeyFake, type MisskeyFake } from '../fakes/misskey-fake';
import { startSlackFake, type PostedMessage, type SlackFake } from '../fakes/slack-fake';

const SIGNING_SECRET = 'slack-signing-secret-for-tests';
const STRANGER = 'U0STRANGER1';
const MOD = 'U0MODERATOR';

type Block = { type: string; block_id?: string; text?: { text: string }; elements?: { type: string; text?: string | { text: string } }[] };

function slackHeaders(body: string): Record<string, string> {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac('sha256', SIGNING_SECRET).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-signature': signature, 'x-slack-request-timestamp': timestamp };
}

/** everything a reader sees of a message: its blocks' texts and the notification text */
function seen(message: PostedMessage): string {
  const texts = ((message.blocks ?? []) as Block[]).flatMap((block) => [
    block.text?.text ?? '',
    ...(block.elements ?? []).map((element) => (typeof element.text === 'string' ? element.text : (element.text?.text ?? ''))),
  ]);
  return slackVisible([message.text ?? '', ...texts].join('\n'));
}

describe('a ja sink beside an en sink', () => {
  let slack: SlackFake;
  let misskey: MisskeyFake;
  let bridge: TestBridge;
  const cleanups: (() => Promise<void>)[] = [];

  beforeEach(async () => {
    slack = await startSlackFake({ channels: [{ id: 'C0ENGLISH1', name: 'english' }, { id: 'C0JAPANES1', name: 'japanese' }] });
    misskey = await startMisskeyFake();
    cleanups.push(() => slack.close(), () => misskey.close());
    const sink = (channel: string, more: string) =>
      `{ type: slack, token: xoxb-fake-bot-token, channel: ${channel}, apiUrl: "${slack.apiUrl}", moderators: ["${MOD}"], signingSecret: "${SIGNING_SECRET}", teamId: T000${more} }`;
    bridge = await startTestBridge(
      testConfig(`
locale: en
timezone: UTC
sources:
  alice: { secret: "${SECRET}" }
  system: { secret: "${SECRET}", server: "${misskey.url}", adminToken: "${misskey.token}" }
sinks:
  english: ${sink('C0ENGLISH1', '')}
  japanese: ${sink('C0JAPANES1', ', locale: ja, timezone: Asia/Tokyo')}
routes:
  - { name: everything, events: "*", to: [english, japanese] }
`),
    );
    cleanups.push(() => bridge.stop(1000));
    await eventually(async () => expect((await readyz(bridge)).status).toBe(200));
  });

  afterEach(async () => {
    for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
  });

  const only = (channel: string) =>
    eventually(() => {
      const messages = slack.messagesIn(channel);
      expect(messages).toHaveLength(1);
      return messages[0]!;
    });

  it('words one follow event in each sink’s language', async () => {
    const follow = fixture('followed.local.json');
    expect((await bridge.post('alice', follow.body, { 'x-misskey-host': follow.host })).status).toBe(204);
    const english = seen(await only('C0ENGLISH1'));
    const japanese = seen(await only('C0JAPANES1'));
    expect(english).toContain('carol followed you');
    expect(english).not.toContain('フォロー');
    expect(japanese).toContain('carolにフォローされました');
    expect(japanese).not.toContain('followed you');
  });

  it('labels the card’s buttons and answers a refused click in the sink’s language', async () => {
    expect((await bridge.post('system', reportBody('lrep1'))).status).toBe(204);
    const buttons = (message: PostedMessage) =>
      ((message.blocks ?? []) as Block[]).find((block) => block.type === 'actions')!.elements!.map((element) => (element.text as { text: string }).text);
    expect(buttons(await only('C0ENGLISH1'))).toEqual(['Resolve', 'Resolve and forward', 'Open in Misskey']);
    const card = await only('C0JAPANES1');
    expect(buttons(card)).toEqual(['解決', '解決して転送', 'Misskeyで開く']);
    expect(seen(card)).toContain('通報を確認');

    const body = new URLSearchParams({ payload: JSON.stringify(slack.interaction(card.ts!, 'mkb:resolve:system:lrep1', { id: STRANGER })) }).toString();
    const response = await fetch(`${bridge.url}/interactions/slack/japanese`, { method: 'POST', headers: slackHeaders(body), body });
    expect(response.status).toBe(200);
    await eventually(() => expect(slack.responses).toHaveLength(1));
    expect(slack.responses[0]!.body.text).toBe('ここから通報を処理する権限がありません。（この操作は記録されました）');
    expect(misskey.calls).toEqual([]);
  });
});
