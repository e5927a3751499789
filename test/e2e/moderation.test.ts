/**
 * Moderation from chat end to end: abuse report cards carry buttons, signed interactions from
 * Discord and Slack resolve the report through the Misskey admin API (a fake), the card shows who
 * did it, and every attempt lands in the audit log. Every refusal (unsigned, wrong key, stale,
 * replayed, altered) is a 401 with nothing done.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { auditList } from '../../src/commands/audit';
import { openSqliteStore } from '../../src/store/sqlite/store';
import { eventually, SECRET, startTestBridge, testConfig, type TestBridge } from '../helpers/bridge';
import { reportBody } from '../helpers/conversation';
import { readyz } from '../helpers/e2e';
import { discordHeaders, discordKeys, slackForm, slackHeaders } from '../helpers/interactions';
import { startDiscordFake, type DiscordFake } from '../fakes/discord-fake';
import { startSlackFake, type SlackFake } from '../fakes/slack-fake';
import { startMisskeyFake, type MisskeyFake } from '../fakes/misskey-fake';

const MOD_USER = '223456789012345678';
const MOD_ROLE = '323456789012345678';
const STRANGER = '423456789012345678';
const SLACK_MOD = 'U0MODERATOR';
const SLACK_STRANGER = 'U0STRANGER1';
const SIGNING_SECRET = 'slack-signing-secret-for-tests';


function yaml(misskey: MisskeyFake, sinks: string): string {
  return `
sources:
  system: { secret: "${SECRET}", server: "${misskey.url}", adminToken: "${misskey.token}" }
sinks:
${sinks}
routes:
  - name: reports
    events: [abuseReport, abuseReportResolved]
    to: [chat]
`;
}

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function start(config: string): Promise<TestBridge> {
  const bridge = await startTestBridge(testConfig(config));
  cleanups.push(() => bridge.stop(1000));
  await eventually(async () => expect((await readyz(bridge)).status).toBe(200));
  return bridge;
}

async function postReport(bridge: TestBridge, id: string): Promise<void> {
  const response = await bridge.post('system', reportBody(id));
  expect(response.status).toBe(204);
}

describe('moderation from Discord (bot mode)', () => {
  let discord: DiscordFake;
  let misskey: MisskeyFake;
  let bridge: TestBridge;
  let keys: ReturnType<typeof discordKeys>;
  let endpoint: string;
  let guild: string;

  beforeEach(async () => {
    discord = await startDiscordFake();
    misskey = await startMisskeyFake();
    cleanups.push(() => discord.close(), () => misskey.close());
    keys = discordKeys();
    const channel = discord.addChannel();
    guild = channel.guildId;
    bridge = await start(
      yaml(
        misskey,
        `  chat: { type: discord, botToken: "${discord.addBot().token}", channelId: "${channel.id}", guildId: "${guild}", apiBase: "${discord.url}", moderators: ["${MOD_USER}", "${MOD_ROLE}"], publicKey: "${keys.publicHex}" }`,
      ),
    );
    endpoint = `${bridge.url}/interactions/discord/chat`;
  });

  const card = (id: string) =>
    eventually(() => {
      const found = discord.messages.find((m) => JSON.stringify(m.embeds).includes(id) || m.content.includes(id));
      expect(found).toBeDefined();
      return found!;
    });

  const click = async (messageId: string, customId: string, member: { userId: string; roles?: string[] }, sign = true) => {
    const body = JSON.stringify(discord.interaction(messageId, customId, member));
    const headers = sign ? discordHeaders(keys.privateKey, body) : { 'content-type': 'application/json' };
    return { body, response: await fetch(endpoint, { method: 'POST', headers, body }) };
  };

  it.each([
    ['another server', { guild_id: '923456789012345678' }, /another server/],
    ['another channel of the server', { channel_id: '823456789012345678' }, /another channel/],
  ])('refuses a moderator’s signed click from %s, and audits it', async (_where, place, reason) => {
    await postReport(bridge, 'rep-place');
    const message = await card('rep-place');
    const body = JSON.stringify({ ...discord.interaction(message.id, 'mkb:resolve:system:rep-place', { userId: MOD_USER, roles: [MOD_ROLE] }), ...place });
    const response = await fetch(endpoint, { method: 'POST', headers: discordHeaders(keys.privateKey, body), body });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ type: 4, data: { flags: 64, content: expect.stringMatching(/not posted where/) as unknown } });
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(misskey.calls).toEqual([]);
    expect(message.edits).toBe(0);
    expect((await bridge.store.audit.list(1))[0]).toMatchObject({ outcome: 'refused', actor: MOD_USER, detail: expect.stringMatching(reason) as unknown });
  });

  it('answers a signed PING with PONG', async () => {
    const body = JSON.stringify({ id: '523456789012345678', type: 1, application_id: '623456789012345678', token: 't', version: 1 });
    const response = await fetch(endpoint, { method: 'POST', headers: discordHeaders(keys.privateKey, body), body });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ type: 1 });
  });

  it('puts Resolve, Resolve and forward and Open in Misskey buttons on the card', async () => {
    await postReport(bridge, 'rep1');
    const message = await card('rep1');
    const buttons = (message.body.components as { components: { label: string; custom_id?: string; url?: string }[] }[])[0]!.components;
    expect(buttons.map((b) => b.label)).toEqual(['Resolve', 'Resolve and forward', 'Open in Misskey']);
    expect(buttons[0]!.custom_id).toBe('mkb:resolve:system:rep1');
    expect(buttons[2]!.url).toMatch(/^https:\/\//);
  });

  it('resolves on a moderator’s click, once, and shows who did it on the card', async () => {
    await postReport(bridge, 'rep2');
    const message = await card('rep2');
    const { body, response } = await click(message.id, 'mkb:resolve:system:rep2', { userId: MOD_USER });
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ type: 6 });
    await eventually(() => expect(message.edits).toBe(1));
    expect(misskey.calls).toEqual([{ endpoint: 'admin/resolve-abuse-user-report', params: { reportId: 'rep2' }, status: 204 }]);
    expect(JSON.stringify(message.embeds)).toContain(`Resolved by <@${MOD_USER}>`);
    // only the link stays
    const buttons = (message.body.components as { components: { label: string }[] }[])[0]!.components;
    expect(buttons.map((b) => b.label)).toEqual(['Open in Misskey']);

    // the same request again (a retry or a replay): refused, nothing called
    const replay = await fetch(endpoint, { method: 'POST', headers: discordHeaders(keys.privateKey, body), body });
    expect(replay.status).toBe(401);
    // a second click (a new interaction) on the same report: nothing called either
    const again = await click(message.id, 'mkb:resolve:system:rep2', { userId: MOD_USER });
    expect(again.response.status).toBe(200);
    await eventually(() => expect(discord.followups).toHaveLength(1));
    expect(String(discord.followups[0]!.body.content)).toMatch(/already resolved/);
    expect(discord.followups[0]!.body.flags).toBe(64);
    expect(misskey.calls).toHaveLength(1);
    const log = await bridge.store.audit.list(10);
    expect(log.map((e) => e.outcome)).toEqual(['duplicate', 'done']);
    expect(log[1]).toMatchObject({ platform: 'discord', sink: 'chat', source: 'system', reportId: 'rep2', action: 'resolve', actor: MOD_USER });
  });

  it('lets a member with a moderator role forward and resolve', async () => {
    await postReport(bridge, 'rep3');
    const message = await card('rep3');
    await click(message.id, 'mkb:forward:system:rep3', { userId: STRANGER, roles: [MOD_ROLE] });
    await eventually(() => expect(message.edits).toBe(1));
    expect(misskey.calls.map((c) => c.endpoint)).toEqual(['admin/forward-abuse-user-report', 'admin/resolve-abuse-user-report']);
    expect(misskey.resolved.get('rep3')).toEqual({ forwarded: true });
    expect(JSON.stringify(message.embeds)).toContain('Resolved and forwarded by');
  });

  it('forwards through resolve on a server without the forward endpoint', async () => {
    misskey.withoutForwardEndpoint();
    await postReport(bridge, 'rep3b');
    const message = await card('rep3b');
    await click(message.id, 'mkb:forward:system:rep3b', { userId: MOD_USER });
    await eventually(() => expect(message.edits).toBe(1));
    expect(misskey.calls.at(-1)).toEqual({ endpoint: 'admin/resolve-abuse-user-report', params: { reportId: 'rep3b', forward: true }, status: 204 });
  });

  it('refuses a non-moderator with an ephemeral answer, and audits it', async () => {
    await postReport(bridge, 'rep4');
    const message = await card('rep4');
    const { response } = await click(message.id, 'mkb:resolve:system:rep4', { userId: STRANGER, roles: ['923456789012345678'] });
    expect(response.status).toBe(200);
    const answer = (await response.json()) as { type: number; data: { flags: number; content: string } };
    expect(answer.type).toBe(4);
    expect(answer.data.flags).toBe(64);
    expect(answer.data.content).toMatch(/not allowed/);
    expect(misskey.calls).toHaveLength(0);
    expect(message.edits).toBe(0);
    const [entry] = await bridge.store.audit.list(10);
    expect(entry).toMatchObject({ outcome: 'refused', actor: STRANGER, reportId: 'rep4', platform: 'discord' });
  });

  it('shows Misskey’s error on the card and in the audit log, and lets the moderator try again', async () => {
    misskey.fail({ status: 400, message: 'No such abuse report.', code: 'NO_SUCH_ABUSE_REPORT' });
    await postReport(bridge, 'rep5');
    const message = await card('rep5');
    await click(message.id, 'mkb:resolve:system:rep5', { userId: MOD_USER });
    await eventually(() => expect(message.edits).toBe(1));
    expect(JSON.stringify(message.embeds)).toContain('No such abuse report. (NO_SUCH_ABUSE_REPORT)');
    const buttons = (message.body.components as { components: { label: string }[] }[])[0]!.components;
    expect(buttons.map((b) => b.label)).toContain('Resolve');
    const [entry] = await bridge.store.audit.list(1);
    expect(entry).toMatchObject({ outcome: 'failed', detail: expect.stringContaining('NO_SUCH_ABUSE_REPORT') as unknown });
    // a failure is not remembered as done: the next click resolves
    await click(message.id, 'mkb:resolve:system:rep5', { userId: MOD_USER });
    await eventually(() => expect(message.edits).toBe(2));
    expect(JSON.stringify(message.embeds)).toContain('Resolved by');
    expect(JSON.stringify(message.embeds)).not.toContain('NO_SUCH_ABUSE_REPORT');
    expect(misskey.calls).toHaveLength(2);
  });

  describe('refuses with 401 and does nothing', () => {
    let message: { id: string };
    let body: string;
    beforeEach(async () => {
      await postReport(bridge, 'rep6');
      message = await card('rep6');
      body = JSON.stringify(discord.interaction(message.id, 'mkb:resolve:system:rep6', { userId: MOD_USER }));
    });
    afterEach(async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(misskey.calls).toHaveLength(0);
      expect(await bridge.store.audit.list(10)).toEqual([]);
    });
    const send = (headers: Record<string, string>, sent = body) => fetch(endpoint, { method: 'POST', headers, body: sent });

    it('unsigned', async () => {
      expect((await send({ 'content-type': 'application/json' })).status).toBe(401);
    });
    it('a wrong signature', async () => {
      const headers = discordHeaders(keys.privateKey, body);
      headers['x-signature-ed25519'] = headers['x-signature-ed25519']!.replace(/^./, (c) => (c === '0' ? '1' : '0'));
      expect((await send(headers)).status).toBe(401);
    });
    it('signed with another key', async () => {
      expect((await send(discordHeaders(discordKeys().privateKey, body))).status).toBe(401);
    });
    it('a stale timestamp', async () => {
      expect((await send(discordHeaders(keys.privateKey, body, String(Math.floor(Date.now() / 1000) - 301)))).status).toBe(401);
    });
    it('the body altered after signing', async () => {
      const headers = discordHeaders(keys.privateKey, body);
      expect((await send(headers, body.replace(MOD_USER, STRANGER))).status).toBe(401);
    });
  });
});

describe('moderation from Slack', () => {
  let slack: SlackFake;
  let misskey: MisskeyFake;
  let bridge: TestBridge;
  let endpoint: string;

  beforeEach(async () => {
    slack = await startSlackFake();
    misskey = await startMisskeyFake();
    cleanups.push(() => slack.close(), () => misskey.close());
    bridge = await start(
      yaml(
        misskey,
        `  chat: { type: slack, token: xoxb-fake-bot-token, channel: C0ALERTS01, apiUrl: "${slack.apiUrl}", moderators: ["${SLACK_MOD}"], signingSecret: "${SIGNING_SECRET}", teamId: T000 }`,
      ),
    );
    endpoint = `${bridge.url}/interactions/slack/chat`;
  });

  const card = (id: string) =>
    eventually(() => {
      const found = slack.messages.find((m) => JSON.stringify(m.blocks ?? []).includes(id));
      expect(found).toBeDefined();
      return found!;
    });
  const click = async (ts: string, actionId: string, user: string, secret = SIGNING_SECRET) => {
    const body = slackForm(slack.interaction(ts, actionId, { id: user }));
    return { body, response: await fetch(endpoint, { method: 'POST', headers: slackHeaders(secret, body), body }) };
  };

  it('puts Block Kit buttons on the card and resolves on a moderator’s click, via response_url', async () => {
    await postReport(bridge, 'srep1');
    const message = await card('srep1');
    const actions = (message.blocks as { type: string; elements?: { action_id: string }[] }[]).find((b) => b.type === 'actions');
    expect(actions?.elements?.map((e) => e.action_id)).toEqual(['mkb:resolve:system:srep1', 'mkb:forward:system:srep1', 'mkb:open']);
    const { body, response } = await click(message.ts!, 'mkb:resolve:system:srep1', SLACK_MOD);
    expect(response.status).toBe(200);
    await eventually(() => expect(message.edits).toBe(1));
    expect(misskey.calls).toEqual([{ endpoint: 'admin/resolve-abuse-user-report', params: { reportId: 'srep1' }, status: 204 }]);
    expect(JSON.stringify(message.blocks)).toContain(`Resolved by <@${SLACK_MOD}>`);
    expect(slack.responses[0]!.body.replace_original).toBe(true);
    // replayed: 401, nothing called again
    const replay = await fetch(endpoint, { method: 'POST', headers: slackHeaders(SIGNING_SECRET, body), body });
    expect(replay.status).toBe(401);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(misskey.calls).toHaveLength(1);
  });

  it.each([
    ['another workspace', { team: { id: 'T0OTHER01', domain: 'other' } }, /another workspace/],
    ['another channel', { channel: { id: 'C0OTHER001', name: 'elsewhere' } }, /another channel/],
  ])('refuses a moderator’s signed click from %s, and audits it', async (_where, place, reason) => {
    await postReport(bridge, 'srep-place');
    const message = await card('srep-place');
    const body = slackForm({ ...slack.interaction(message.ts!, 'mkb:resolve:system:srep-place', { id: SLACK_MOD }), ...place });
    const response = await fetch(endpoint, { method: 'POST', headers: slackHeaders(SIGNING_SECRET, body), body });
    expect(response.status).toBe(200);
    await eventually(() => expect(slack.responses).toHaveLength(1));
    expect(slack.responses[0]!.body).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/not posted where/) as unknown });
    expect(misskey.calls).toEqual([]);
    expect(message.edits).toBe(0);
    expect((await bridge.store.audit.list(1))[0]).toMatchObject({ outcome: 'refused', actor: SLACK_MOD, detail: expect.stringMatching(reason) as unknown });
  });

  it('refuses a non-moderator with an ephemeral message, and audits it', async () => {
    await postReport(bridge, 'srep2');
    const message = await card('srep2');
    const { response } = await click(message.ts!, 'mkb:resolve:system:srep2', SLACK_STRANGER);
    expect(response.status).toBe(200);
    await eventually(() => expect(slack.responses).toHaveLength(1));
    expect(slack.responses[0]!.body).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(String(slack.responses[0]!.body.text)).toMatch(/not allowed/);
    expect(misskey.calls).toHaveLength(0);
    expect(message.edits).toBe(0);
    await eventually(async () => expect((await bridge.store.audit.list(1))[0]).toMatchObject({ outcome: 'refused', actor: SLACK_STRANGER, platform: 'slack' }));
  });

  it('shows Misskey’s error on the card and in the audit log', async () => {
    misskey.fail({ status: 403, message: 'Your app does not have the necessary permissions to use this endpoint.', code: 'PERMISSION_DENIED' });
    await postReport(bridge, 'srep3');
    const message = await card('srep3');
    await click(message.ts!, 'mkb:resolve:system:srep3', SLACK_MOD);
    await eventually(() => expect(message.edits).toBe(1));
    expect(JSON.stringify(message.blocks)).toContain('PERMISSION_DENIED');
    expect(JSON.stringify(message.blocks)).toContain('mkb:resolve:system:srep3');
    expect((await bridge.store.audit.list(1))[0]).toMatchObject({ outcome: 'failed', detail: expect.stringContaining('PERMISSION_DENIED') as unknown });
  });

  describe('refuses with 401 and does nothing', () => {
    let body: string;
    beforeEach(async () => {
      await postReport(bridge, 'srep4');
      const message = await card('srep4');
      body = slackForm(slack.interaction(message.ts!, 'mkb:resolve:system:srep4', { id: SLACK_MOD }));
    });
    afterEach(async () => {
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(misskey.calls).toHaveLength(0);
      expect(slack.responses).toHaveLength(0);
      expect(await bridge.store.audit.list(10)).toEqual([]);
    });
    const send = (headers: Record<string, string>, sent = body) => fetch(endpoint, { method: 'POST', headers, body: sent });

    it('unsigned', async () => {
      expect((await send({ 'content-type': 'application/x-www-form-urlencoded' })).status).toBe(401);
    });
    it('a wrong signature', async () => {
      const headers = slackHeaders(SIGNING_SECRET, body);
      headers['x-slack-signature'] = `v0=${'0'.repeat(64)}`;
      expect((await send(headers)).status).toBe(401);
    });
    it('signed with another secret', async () => {
      expect((await send(slackHeaders('another-secret', body))).status).toBe(401);
    });
    it('a timestamp older than 5 minutes', async () => {
      expect((await send(slackHeaders(SIGNING_SECRET, body, String(Math.floor(Date.now() / 1000) - 301)))).status).toBe(401);
    });
    it('the body altered after signing', async () => {
      const headers = slackHeaders(SIGNING_SECRET, body);
      expect((await send(headers, body.replace(SLACK_MOD, SLACK_STRANGER))).status).toBe(401);
    });
  });
});

describe('audit list', () => {
  it('prints the entries of the configured store, newest first', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bridge-audit-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const db = path.join(dir, 'audit.db');
    const config = path.join(dir, 'audit.yaml');
    writeFileSync(config, `storage: { driver: sqlite, path: "${db}" }\nsources: { alice: { secret: x } }\nsinks: { t: { type: console } }\nroutes: []\n`);
    expect(await auditList({ config })).toBe('nothing has been done from chat');
    const queue = openSqliteStore({ path: db });
    const entry = { platform: 'slack', sink: 'chat', source: 'system', action: 'resolve', actor: 'U0STRANGER1' } as const;
    await queue.audit.append({ ...entry, at: 1000, reportId: 'older', outcome: 'refused', detail: 'not a moderator of this sink' });
    await queue.audit.append({ ...entry, at: 2000, reportId: 'newer', actor: 'U0MODERATOR', actorName: 'mod', outcome: 'done' });
    await queue.close();
    const lines = (await auditList({ config })).split('\n');
    expect(lines[0]).toMatch(/^TIME\s+PLATFORM\s+SINK\s+WHO\s+ACTION\s+SUBJECT\s+OUTCOME\s+DETAIL/);
    expect(lines[1]).toMatch(/1970-01-01T00:00:02.000Z\s+slack\s+chat\s+mod \(U0MODERATOR\)\s+resolve\s+system\/newer\s+done/);
    expect(lines[2]).toMatch(/system\/older\s+refused\s+not a moderator of this sink/);
    expect((await auditList({ config, limit: '1' })).split('\n')).toHaveLength(2);
  });
});
