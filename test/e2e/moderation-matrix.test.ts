/**
 * Moderation from Matrix end to end: abuse report cards on a sink with moderators say how to act
 * and name their report; a moderator's ✅ or ↗️ reaction, read with /sync from the Matrix fake,
 * resolves the report through the Misskey admin API (a fake) and the card is edited to say who did
 * it; anyone else's reaction is audited as refused and nothing is done.
 */
import { eventually, SECRET, startTestBridge, testConfig, type TestBridge } from '../helpers/bridge';
import { reportBody } from '../helpers/conversation';
import { readyz } from '../helpers/e2e';
import { startMatrixFake, type FakeEvent, type MatrixFake } from '../fakes/matrix-fake';
import { startMisskeyFake, type MisskeyFake } from '../fakes/misskey-fake';

const ROOM = '!mods:example.org';
const OTHER_ROOM = '!elsewhere:example.org';
const BOT = '@bot:example.org';
const MOD = '@mod:example.org';
const STRANGER = '@stranger:example.org';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

let matrix: MatrixFake;
let misskey: MisskeyFake;

beforeEach(async () => {
  matrix = await startMatrixFake({ rooms: [{ id: ROOM, members: [BOT, MOD, STRANGER] }, { id: OTHER_ROOM, members: [BOT, MOD] }] });
  misskey = await startMisskeyFake();
  cleanups.push(() => matrix.close(), () => misskey.close());
});

function yaml(moderators = `["${MOD}"]`): string {
  return `
sources:
  system: { secret: "${SECRET}", server: "${misskey.url}", adminToken: "${misskey.token}" }
sinks:
  chat: { type: matrix, homeserver: "${matrix.url}", accessToken: "${matrix.bot.accessToken}", room: "${ROOM}", moderators: ${moderators} }
routes:
  - name: reports
    events: [abuseReport, abuseReportResolved]
    to: [chat]
`;
}

async function start(config = yaml()): Promise<TestBridge> {
  const bridge = await startTestBridge(testConfig(config));
  cleanups.push(() => bridge.stop(1000));
  await eventually(async () => expect((await readyz(bridge)).status).toBe(200));
  return bridge;
}

/** the listener has recorded its position and is long-polling for what comes next */
const listening = (after = 0) => eventually(() => expect(matrix.syncRequests().slice(after).some((r) => r.query.has('since'))).toBe(true));

async function card(bridge: TestBridge, id: string): Promise<FakeEvent> {
  expect((await bridge.post('system', reportBody(id))).status).toBe(204);
  return eventually(() => {
    const found = matrix.timeline(ROOM).find((e) => e.type === 'm.room.message' && JSON.stringify(e.content).includes(`"id":"${id}"`));
    expect(found).toBeDefined();
    return found!;
  });
}

const shownBody = (eventId: string) => matrix.shown(ROOM).find((m) => m.event.eventId === eventId)!;

describe('moderation from Matrix', () => {
  it('puts the hint line and the report on the card', async () => {
    const bridge = await start();
    const event = await card(bridge, 'mrep0');
    expect(event.content['org.misskey-bridge.report']).toEqual({ source: 'system', id: 'mrep0', remote: true });
    expect(event.content.body).toMatch(/React ✅ to resolve, ↗️ to resolve and forward$/);
    expect(event.content.formatted_body).toContain('<p><em>React ✅ to resolve, ↗️ to resolve and forward</em></p>');
  });

  it('a card on a sink without moderators has neither', async () => {
    const bridge = await start(yaml().replace(/, moderators: \[[^\]]*\]/, ''));
    expect((await bridge.post('system', reportBody('mrep00'))).status).toBe(204);
    const event = await eventually(() => {
      const found = matrix.timeline(ROOM).find((e) => e.type === 'm.room.message');
      expect(found).toBeDefined();
      return found!;
    });
    expect(event.content['org.misskey-bridge.report']).toBeUndefined();
    expect(event.content.body).not.toContain('React ✅');
    expect(matrix.syncRequests()).toHaveLength(0);
  });

  it('resolves on a moderator’s ✅, once, and edits the card to say who and when', async () => {
    const bridge = await start();
    const event = await card(bridge, 'mrep1');
    await listening();
    const reaction = matrix.react(ROOM, MOD, event.eventId, '✅');
    await eventually(() => expect(shownBody(event.eventId).edits).toBe(1));
    expect(misskey.calls).toEqual([{ endpoint: 'admin/resolve-abuse-user-report', params: { reportId: 'mrep1' }, status: 204 }]);
    const shown = shownBody(event.eventId).content;
    expect(shown.body).toMatch(new RegExp(`✅ Resolved by ${MOD} · \\d{4}-\\d\\d-\\d\\d \\d\\d:\\d\\d UTC$`));
    expect(shown.body).not.toContain('React ✅');
    expect(shown['org.misskey-bridge.report']).toBeUndefined();
    const [entry] = await bridge.store.audit.list(10);
    expect(entry).toMatchObject({ platform: 'matrix', sink: 'chat', source: 'system', reportId: 'mrep1', action: 'resolve', actor: MOD, outcome: 'done' });

    // the same reaction handed out again (a repeated sync), and a second ✅ without the variation selector
    const syncs = matrix.syncRequests().length;
    matrix.resync(reaction);
    matrix.react(ROOM, MOD, event.eventId, '✅\uFE0F');
    await eventually(async () => expect(await bridge.store.audit.list(10)).toHaveLength(2));
    await eventually(() => expect(matrix.syncRequests().length).toBeGreaterThan(syncs + 1));
    expect(misskey.calls).toHaveLength(1);
    expect((await bridge.store.audit.list(1))[0]).toMatchObject({ outcome: 'duplicate', actor: MOD });
    expect(shownBody(event.eventId).edits).toBe(1);
  });

  it('resolves and forwards on ↗️ (with or without the variation selector)', async () => {
    const bridge = await start();
    const event = await card(bridge, 'mrep2');
    await listening();
    matrix.react(ROOM, MOD, event.eventId, '↗');
    await eventually(() => expect(shownBody(event.eventId).edits).toBe(1));
    expect(misskey.calls.map((c) => c.endpoint)).toEqual(['admin/forward-abuse-user-report', 'admin/resolve-abuse-user-report']);
    expect(misskey.resolved.get('mrep2')).toEqual({ forwarded: true });
    expect(shownBody(event.eventId).content.body).toContain(`✅ Resolved and forwarded by ${MOD}`);
    expect((await bridge.store.audit.list(1))[0]).toMatchObject({ platform: 'matrix', action: 'forward', outcome: 'done' });
  });

  it('refuses a non-moderator’s reaction: nothing called, nothing posted, the attempt audited', async () => {
    const bridge = await start();
    const event = await card(bridge, 'mrep3');
    await listening();
    const before = matrix.timeline(ROOM).length;
    matrix.react(ROOM, STRANGER, event.eventId, '✅');
    await eventually(async () =>
      expect((await bridge.store.audit.list(1))[0]).toMatchObject({ platform: 'matrix', actor: STRANGER, outcome: 'refused', reportId: 'mrep3' }),
    );
    expect(misskey.calls).toHaveLength(0);
    expect(matrix.timeline(ROOM)).toHaveLength(before + 1);
  });

  it('ignores a moderator’s reaction to the card made in another room the bot is in', async () => {
    const bridge = await start();
    const event = await card(bridge, 'mrep-room');
    await listening();
    matrix.react(OTHER_ROOM, MOD, event.eventId, '✅');
    const syncs = matrix.syncRequests().length;
    await eventually(() => expect(matrix.syncRequests().length).toBeGreaterThan(syncs + 1));
    expect(misskey.calls).toHaveLength(0);
    expect(shownBody(event.eventId).edits).toBe(0);
  });

  it('ignores other reactions, the bot’s own, and reactions to events that are not the bot’s cards', async () => {
    const bridge = await start();
    const event = await card(bridge, 'mrep4');
    await listening();
    matrix.react(ROOM, MOD, event.eventId, '👍');
    matrix.react(ROOM, BOT, event.eventId, '✅');
    const other = matrix.react(ROOM, STRANGER, event.eventId, '🎉');
    matrix.react(ROOM, MOD, other.eventId, '✅');
    const syncs = matrix.syncRequests().length;
    await eventually(() => expect(matrix.syncRequests().length).toBeGreaterThan(syncs + 1));
    expect(misskey.calls).toHaveLength(0);
    expect(await bridge.store.audit.list(10)).toEqual([]);
  });

  it('posts Misskey’s error as a notice replying to the card, audits it, and lets the moderator try again', async () => {
    const bridge = await start();
    misskey.fail({ status: 400, message: 'No such abuse report.', code: 'NO_SUCH_ABUSE_REPORT' });
    const event = await card(bridge, 'mrep5');
    await listening();
    matrix.react(ROOM, MOD, event.eventId, '✅');
    const notice = await eventually(() => {
      const found = matrix.timeline(ROOM).find((e) => String(e.content.body).startsWith('⚠️ Not resolved'));
      expect(found).toBeDefined();
      return found!;
    });
    expect(notice.content.body).toContain('NO_SUCH_ABUSE_REPORT');
    expect(notice.content['m.relates_to']).toEqual({ 'm.in_reply_to': { event_id: event.eventId } });
    expect((await bridge.store.audit.list(1))[0]).toMatchObject({ platform: 'matrix', outcome: 'failed', detail: expect.stringContaining('NO_SUCH_ABUSE_REPORT') as unknown });
    expect(shownBody(event.eventId).edits).toBe(0);

    // a failed action is not claimed: a new reaction tries again
    matrix.react(ROOM, MOD, event.eventId, '✅');
    await eventually(() => expect(shownBody(event.eventId).edits).toBe(1));
    expect(misskey.calls).toHaveLength(2);
  });

  it('does not act on reactions made before the listener started', async () => {
    const first = await start();
    const event = await card(first, 'mrep6');
    await first.stop(1000);
    matrix.react(ROOM, MOD, event.eventId, '✅');
    const syncs = matrix.syncRequests().length;
    const second = await start();
    await listening(syncs);
    // a few rounds of long polling later, still nothing
    const now = matrix.syncRequests().length;
    await eventually(() => expect(matrix.syncRequests().length).toBeGreaterThan(now + 1));
    expect(misskey.calls).toHaveLength(0);
    expect(await second.store.audit.list(10)).toEqual([]);
    // a new reaction counts
    matrix.react(ROOM, MOD, event.eventId, '✅');
    await eventually(() => expect(misskey.calls).toHaveLength(1));
  });

  it('keeps syncing after homeserver errors', async () => {
    const bridge = await start();
    expect(bridge.url).toBeDefined();
    const event = await card(bridge, 'mrep7');
    await listening();
    matrix.inject('sync', { kind: 'error', status: 502, errcode: 'M_UNKNOWN', error: 'Bad gateway' }, 2);
    // the poll in flight ends with this reaction to something else; the next two get a 502
    matrix.react(ROOM, STRANGER, event.eventId, '🎉');
    await eventually(() => expect(matrix.syncRequests().filter((r) => r.status === 502)).toHaveLength(1));
    // meanwhile a moderator reacts: after the back-off, the sync from the last position finds it
    matrix.react(ROOM, MOD, event.eventId, '✅');
    await eventually(() => expect(misskey.calls).toHaveLength(1), 8000);
    expect(matrix.syncRequests().filter((r) => r.status === 502)).toHaveLength(2);

  });
});
