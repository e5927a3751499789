import { startBridge } from '../../src/app';
import { createLogger } from '../../src/observe/logger';
import { openSqliteStore } from '../../src/store/sqlite/store';
import { SECRET, captureStdout, eventually, startTestBridge, testConfig, type TestBridge } from '../helpers/bridge';
import { fixture, withEventId } from '../helpers/fixtures';

/** Only the sources, sink and routes vary; everything goes to the console. */
function consoleConfig(routes: string): string {
  return `
sources:
  alice: { secret: "${SECRET}" }
sinks:
  terminal: { type: console }
routes:
${routes}
`;
}

describe('routing through serve', () => {
  const printed = captureStdout();
  const cleanups: (() => Promise<void>)[] = [];

  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
  });

  async function start(routes: string): Promise<TestBridge> {
    const bridge = await startTestBridge(testConfig(consoleConfig(routes)));
    cleanups.push(() => bridge.stop(1000));
    return bridge;
  }

  it.each([
    ['events: ["*"]', '    events: ["*"]'],
    ['events: [mention, "*"]', '    events: [mention, "*"]'],
  ])('delivers every event to a route written %s', async (_form, events) => {
    const bridge = await start(`  - name: all\n${events}\n    to: [terminal]`);
    const follow = fixture('follow.local.json');
    expect((await bridge.post('alice', follow.body, { 'x-misskey-host': follow.host })).status).toBe(204);
    await eventually(() => expect(printed()).toContain('── follow'));
    const note = withEventId(fixture('note.basic.json').body, 'c0ffee00-0000-4000-8000-0000000000a1');
    expect((await bridge.post('alice', note)).status).toBe(204);
    await eventually(() => expect(printed()).toContain('── note'));
  });
});

describe('events no route takes', () => {
  const HOUR = 3_600_000;

  const printed = captureStdout();

  it('are counted in /metrics by source and type and logged once an hour', async () => {
    const logs: Record<string, unknown>[] = [];
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => logs.push(JSON.parse(line) as Record<string, unknown>) } });
    // the bridge's clock, moved on by an hour below
    let offset = 0;
    const bridge = await startBridge({
      config: testConfig(consoleConfig('  - { name: mentions, events: [mention], to: [terminal] }')),
      logger,
      store: openSqliteStore({ path: ':memory:' }),
      now: () => Date.now() + offset,
      worker: { pollMs: 20 },
      watchTemplates: false,
    });
    const post = (body: unknown) =>
      fetch(`${bridge.url}/hooks/alice`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-misskey-hook-secret': SECRET, 'x-misskey-host': 'misskey.example' },
        body: JSON.stringify(body),
      });
    const unroutedWarnings = () => logs.filter((line) => line.level === 40 && String(line.msg).includes('matches no route'));
    const unrouted = async () => (await (await fetch(`${bridge.url}/metrics`)).text()).split('\n').filter((line) => line.startsWith('misskey_bridge_events_unrouted_total{'));
    try {
      const note = fixture('note.basic.json').body;
      expect((await post(note)).status).toBe(204);
      expect((await post(note)).status).toBe(204); // a duplicate is not counted again
      expect((await post(withEventId(note, 'c0ffee00-0000-4000-8000-0000000000b1'))).status).toBe(204);
      expect(await unrouted()).toEqual(['misskey_bridge_events_unrouted_total{source="alice",type="note"} 2']);
      expect(unroutedWarnings()).toEqual([expect.objectContaining({ source: 'alice', type: 'note', unloggedSince: 0 })]);

      offset += HOUR;
      expect((await post(withEventId(note, 'c0ffee00-0000-4000-8000-0000000000b2'))).status).toBe(204);
      expect(unroutedWarnings()).toHaveLength(2);
      expect(unroutedWarnings()[1]).toMatchObject({ source: 'alice', type: 'note', unloggedSince: 1 });

      // a routed event is delivered and not counted
      expect((await post(fixture('mention.local.json').body)).status).toBe(204);
      await eventually(() => expect(printed()).toContain('── mention'));
      expect(await unrouted()).toEqual(['misskey_bridge_events_unrouted_total{source="alice",type="note"} 3']);
    } finally {
      await bridge.stop(1000);
    }
  });
});
