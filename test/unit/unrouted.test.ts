import type { Event } from '../../src/normalize/event';
import { normalize } from '../../src/normalize/normalize';
import { createLogger } from '../../src/observe/logger';
import { Metrics } from '../../src/observe/metrics';
import { OncePer, UNROUTED_LOG_INTERVAL_MS, unroutedReporter } from '../../src/observe/unrouted';
import { fixture } from '../helpers/fixtures';

const HOUR = 3_600_000;

function event(name: string, source = 'alice', type?: string): Event {
  const f = fixture(name);
  return normalize({ source, payload: type ? { ...f.body, type } : f.body, misskeyHost: f.host });
}

describe('OncePer', () => {
  it('lets a key through once per interval and counts what it held back', () => {
    let clock = 1_000;
    const once = new OncePer(HOUR, () => clock);
    expect(once.take('a')).toBe(0);
    expect(once.take('a')).toBeNull();
    expect(once.take('b')).toBe(0);
    clock += HOUR - 1;
    expect(once.take('a')).toBeNull();
    clock += 1;
    expect(once.take('a')).toBe(2);
    expect(once.take('a')).toBeNull();
  });
});

describe('unroutedReporter', () => {
  let clock: number;
  let lines: Record<string, unknown>[];
  let metrics: Metrics;
  let report: (event: Event) => void;

  beforeEach(() => {
    clock = Date.UTC(2025, 0, 1);
    lines = [];
    metrics = new Metrics({ defaultMetrics: false });
    const logger = createLogger({ level: 'info', destination: { write: (line: string) => lines.push(JSON.parse(line) as Record<string, unknown>) } });
    report = unroutedReporter({ metrics, logger, now: () => clock });
  });

  const counted = async () => (await metrics.expose()).body.split('\n').filter((line) => line.startsWith('misskey_bridge_events_unrouted_total{'));

  it('counts every unrouted event and warns once an hour per source and type', async () => {
    expect(UNROUTED_LOG_INTERVAL_MS).toBe(HOUR);
    report(event('note.basic.json'));
    report(event('note.basic.json'));
    report(event('follow.local.json'));
    report(event('note.basic.json', 'bob'));
    clock += 59 * 60_000;
    report(event('note.basic.json'));
    expect(lines.map((line) => `${line.level as number} ${line.source as string}:${line.type as string}`)).toEqual(['40 alice:note', '40 alice:follow', '40 bob:note']);
    expect(lines[0]).toMatchObject({ msg: expect.stringContaining('matches no route'), unloggedSince: 0 });

    clock += 60_000;
    report(event('note.basic.json'));
    expect(lines).toHaveLength(4);
    expect(lines[3]).toMatchObject({ source: 'alice', type: 'note', unloggedSince: 2 });

    expect(await counted()).toEqual([
      'misskey_bridge_events_unrouted_total{source="alice",type="note"} 4',
      'misskey_bridge_events_unrouted_total{source="alice",type="follow"} 1',
      'misskey_bridge_events_unrouted_total{source="bob",type="note"} 1',
    ]);
  });

  it('labels types it does not know as "unknown" in the metric, and logs their own name', async () => {
    report(event('note.basic.json', 'alice', 'edited'));
    report(event('note.basic.json', 'alice', 'emojiRequestCreated'));
    expect(lines.map((line) => line.type)).toEqual(['edited', 'emojiRequestCreated']);
    expect(await counted()).toEqual(['misskey_bridge_events_unrouted_total{source="alice",type="unknown"} 2']);
  });
});
