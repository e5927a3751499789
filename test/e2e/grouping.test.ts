import { mkdtempSync, rmSync } from 'node:fs';
import type { Store } from '../../src/store/store';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/store';
import { SECRET, captureStdout, eventually, startTestBridge, testConfig, type TestBridge } from '../helpers/bridge';
import { fixture } from '../helpers/fixtures';

/** Grouping and quiet hours through serve, printed by a console sink. */

function consoleConfig(routes: string, extra = ''): string {
  return `
sources:
  alice: { secret: "${SECRET}" }
sinks:
  terminal: { type: console }
routes:
${routes}
${extra}
`;
}

/** a `followed` webhook: @username followed you */
function followed(username: string): Record<string, unknown> {
  const body = structuredClone(fixture('followed.local.json').body) as { body: { user: Record<string, unknown> } } & Record<string, unknown>;
  body.eventId = `follow-${username}`;
  body.body.user = { ...body.body.user, id: `id-${username}`, username };
  return body;
}

/** HH:MM in UTC, `minutes` from now */
function utcClock(minutes: number): string {
  const date = new Date(Date.now() + minutes * 60_000);
  return `${String(date.getUTCHours()).padStart(2, '0')}:${String(date.getUTCMinutes()).padStart(2, '0')}`;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('grouping and quiet hours through serve', () => {
  const cleanups: (() => Promise<void>)[] = [];
  const output = captureStdout();
  /** the console's message blocks, each starting with its heading line */
  const blocks = () => output().split(/^(?=── )/m).filter((block) => block.startsWith('── '));

  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });

  async function start(yaml: string, queue?: Store): Promise<TestBridge> {
    const bridge = await startTestBridge(testConfig(yaml), { store: queue });
    cleanups.push(() => bridge.stop(1000));
    return bridge;
  }

  it('summarizes follows after `wait`, then at most every `interval`, while a mention goes out at once', async () => {
    const bridge = await start(
      consoleConfig(`  - name: social
    events: [followed, mention]
    to: [terminal]
    group: { wait: 400ms, interval: 1500ms }`),
    );
    for (const name of ['ann', 'ben', 'cat']) expect((await bridge.post('alice', followed(name))).status).toBe(204);
    expect((await bridge.post('alice', fixture('mention.local.json').body)).status).toBe(204);

    await eventually(() => expect(output()).toContain('── mention'));
    expect(output()).not.toContain('── digest');
    await eventually(() => expect(blocks().filter((block) => block.startsWith('── digest'))).toHaveLength(1));
    const first = blocks().find((block) => block.startsWith('── digest'))!;
    expect(first).toContain('3 new followers: @ann, @ben, @cat');

    // within the interval: the next two wait for the next summary
    for (const name of ['dan', 'eve']) expect((await bridge.post('alice', followed(name))).status).toBe(204);
    await sleep(400);
    expect(blocks().filter((block) => block.startsWith('── digest'))).toHaveLength(1);
    await eventually(() => expect(blocks().filter((block) => block.startsWith('── digest'))).toHaveLength(2));
    expect(blocks().filter((block) => block.startsWith('── digest'))[1]).toContain('2 new followers: @dan, @eve');
    // each follower named in exactly one message, none on its own
    for (const name of ['ann', 'ben', 'cat', 'dan', 'eve']) {
      expect(blocks().filter((block) => block.includes(`@${name}`))).toHaveLength(1);
    }
    expect(output()).not.toContain('── followed');
    expect((await bridge.store.jobs.stats()).length).toBe(0);
  });

  it('after a restart, new events join the summary still pending in the store', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'bridge-grouping-'));
    cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
    const yaml = consoleConfig(`  - { name: social, events: [followed], to: [terminal], group: { wait: 1500ms } }`);
    const db = path.join(dir, 'bridge.db');
    const first = await start(yaml, openSqliteStore({ path: db }));
    expect((await first.post('alice', followed('ann'))).status).toBe(204);
    await first.stop(1000);

    const second = await start(yaml, openSqliteStore({ path: db }));
    expect((await second.post('alice', followed('ben'))).status).toBe(204);
    await eventually(() => expect(output()).toContain('── digest'));
    expect(blocks()).toHaveLength(1);
    expect(blocks()[0]).toContain('2 new followers: @ann, @ben');
  });

  it('holds events during quiet hours, except on an urgent route', async () => {
    const bridge = await start(
      consoleConfig(
        `  - { name: reports, events: [abuseReport], to: [terminal], urgent: true }
  - { name: social, events: [followed], to: [terminal] }`,
        `quiet: { from: "${utcClock(-60)}", to: "${utcClock(60)}", timeZone: UTC }`,
      ),
    );
    expect((await bridge.post('alice', followed('ann'))).status).toBe(204);
    expect((await bridge.post('alice', fixture('abuseReport.json').body)).status).toBe(204);
    await eventually(() => expect(output()).toContain('── abuseReport'));
    await sleep(200);
    expect(output()).not.toContain('@ann');
    expect((await bridge.store.jobs.stats()).map((lane) => lane.depth)).toEqual([1]);
  });
});
