import { parseConfig } from '../../src/config/load';
import type { Config } from '../../src/config';
import type { Hold } from '../../src/route/hold';
import { HoldPlanner } from '../../src/route/hold';
import { followedEvent, mentionEvent } from '../helpers/events';

const SECOND = 1000;
const MINUTE = 60 * SECOND;
/** a Wednesday, 12:00 UTC */
const T0 = Date.parse('2026-01-14T12:00:00Z');

function config(routes: string, extra = ''): Config {
  return parseConfig(
    `
sources:
  misskey: { secret: s }
  other: { secret: s }
sinks:
  chat: { type: console }
routes:
${routes}
${extra}
`,
    'test.yaml',
    {},
  );
}

const GROUPED = `  - name: social
    events: [followed, mention]
    to: [chat]
    group: { wait: 30s, interval: 10m }`;

function planner(yaml: Config): { planner: HoldPlanner; clock: { now: number } } {
  const clock = { now: T0 };
  return { planner: new HoldPlanner(yaml, () => clock.now), clock };
}

const match = { route: 'social', sink: 'chat' };

describe('grouping', () => {
  it('summarizes 100 follows in 10 minutes in two messages (after `wait`, then after `interval`), each follower in exactly one', () => {
    const { planner: holds, clock } = planner(config(GROUPED));
    const summaries = new Map<string, { until: number; followers: string[] }>();
    for (let i = 0; i < 100; i += 1) {
      clock.now = T0 + i * 6 * SECOND; // one follow every 6 s: 0 s … 594 s
      const hold = holds.hold(followedEvent(`f${i}`), match)!;
      expect(hold.until).toBeGreaterThan(clock.now);
      const summary = summaries.get(hold.group) ?? { until: hold.until, followers: [] };
      expect(summary.until).toBe(hold.until);
      summary.followers.push(`f${i}`);
      summaries.set(hold.group, summary);
    }
    const sent = [...summaries.values()];
    expect(sent.map((summary) => summary.until - T0)).toEqual([30 * SECOND, 30 * SECOND + 10 * MINUTE]);
    expect(sent.map((summary) => summary.followers.length)).toEqual([5, 95]);
    const named = sent.flatMap((summary) => summary.followers);
    expect(new Set(named).size).toBe(100);
    expect(named).toHaveLength(100);
  });

  it('waits `wait` again once a group was quiet for longer than `interval`', () => {
    const { planner: holds, clock } = planner(config(GROUPED));
    expect(holds.hold(followedEvent('a'), match)!.until).toBe(T0 + 30 * SECOND);
    clock.now = T0 + 40 * SECOND;
    expect(holds.hold(followedEvent('b'), match)!.until).toBe(T0 + 30 * SECOND + 10 * MINUTE);
    clock.now = T0 + 30 * SECOND + 10 * MINUTE + 10 * MINUTE + 1;
    expect(holds.hold(followedEvent('c'), match)!.until).toBe(clock.now + 30 * SECOND);
  });

  it('sends mentions at once unless group.events names them', () => {
    const { planner: holds } = planner(config(GROUPED));
    expect(holds.hold(mentionEvent('m1'), match)).toBeUndefined();
    const opted = planner(config(GROUPED.replace('interval: 10m }', 'interval: 10m, events: [mention] }')));
    expect(opted.planner.hold(mentionEvent('m1'), match)?.until).toBe(T0 + 30 * SECOND);
    expect(opted.planner.hold(followedEvent('a'), match)).toBeUndefined();
  });

  it('forms one group per `by` value: type and source by default, actor on request', () => {
    const { planner: holds } = planner(config(GROUPED));
    const a = holds.hold(followedEvent('a'), match)!;
    expect(holds.hold(followedEvent('b'), match)!.group).toBe(a.group);
    expect(holds.hold(followedEvent('c', 'x', 'other'), match)!.group).not.toBe(a.group);
    expect(holds.hold(followedEvent('a'), { route: 'social', sink: 'elsewhere' })!.group).not.toBe(a.group);

    const byActor = planner(config(GROUPED.replace('wait: 30s', 'by: [actor], wait: 30s'))).planner;
    const first = byActor.hold(followedEvent('a'), match)!;
    expect(byActor.hold(followedEvent('a', 'again'), match)!.group).toBe(first.group);
    expect(byActor.hold(followedEvent('b'), match)!.group).not.toBe(first.group);
  });

  it('gives the same group id for the same key and due time, and a new one for the next summary', () => {
    const one = planner(config(GROUPED));
    const two = planner(config(GROUPED));
    expect(one.planner.hold(followedEvent('a'), match)).toEqual(two.planner.hold(followedEvent('b'), match));
    const first = one.planner.hold(followedEvent('c'), match)!;
    one.clock.now = T0 + MINUTE;
    expect(one.planner.hold(followedEvent('d'), match)!.group).not.toBe(first.group);
  });

  it('after a restart, new events join the summaries still pending in the store', () => {
    const before = planner(config(GROUPED));
    const pending = before.planner.hold(followedEvent('a'), match)!;
    expect(pending.key).toBeDefined();
    const after = planner(config(GROUPED));
    after.clock.now = T0 + 10 * SECOND;
    after.planner.seed([pending, { until: T0, group: 'hold:quiet', kind: 'quiet' }]);
    expect(after.planner.hold(followedEvent('b'), match)).toEqual(pending);
    // and the summary after it comes one interval later
    after.clock.now = T0 + 40 * SECOND;
    expect(after.planner.hold(followedEvent('c'), match)!.until).toBe(pending.until + 10 * MINUTE);
  });

  it('routes without `group` and without quiet hours hold nothing', () => {
    const { planner: holds } = planner(config('  - { name: social, events: "*", to: [chat] }'));
    expect(holds.hold(followedEvent('a'), match)).toBeUndefined();
  });
});

describe('quiet hours', () => {
  const NIGHT = 'quiet: { from: "22:00", to: "07:00", timeZone: Europe/Berlin }';
  /** 23:00 in Berlin (winter) */
  const NIGHT_T = Date.parse('2026-01-14T22:00:00Z');
  const MORNING = Date.parse('2026-01-15T06:00:00Z');

  it('hold every event of the night, mentions too, until the window ends, as one summary', () => {
    const { planner: holds, clock } = planner(config(GROUPED, NIGHT));
    clock.now = NIGHT_T;
    const holdsOfNight: Hold[] = [holds.hold(followedEvent('a'), match)!, holds.hold(mentionEvent('m1'), match)!];
    clock.now = NIGHT_T + 5 * 3_600_000;
    holdsOfNight.push(holds.hold(followedEvent('b'), match)!);
    expect(holdsOfNight.map((hold) => hold.until)).toEqual([MORNING, MORNING, MORNING]);
    expect(new Set(holdsOfNight.map((hold) => hold.group)).size).toBe(1);
    expect(holdsOfNight[0]!.kind).toBe('quiet');
    // the day: grouping as usual, mentions at once
    clock.now = MORNING;
    expect(holds.hold(mentionEvent('m2'), match)).toBeUndefined();
    expect(holds.hold(followedEvent('c'), match)!.until).toBe(MORNING + 30 * SECOND);
  });

  it('a summary due inside quiet hours waits for the end of the window', () => {
    const { planner: holds, clock } = planner(config(GROUPED, NIGHT));
    clock.now = Date.parse('2026-01-14T20:59:50Z'); // 21:59:50 in Berlin; the wait ends at 22:00:20
    const hold = holds.hold(followedEvent('a'), match)!;
    expect(hold).toMatchObject({ until: MORNING, kind: 'quiet' });
    clock.now = NIGHT_T;
    expect(holds.hold(followedEvent('b'), match)!.group).toBe(hold.group);
  });

  it('never hold an urgent route, nor a route that turns the default off', () => {
    const routes = `  - { name: reports, events: [abuseReport, followed], to: [chat], urgent: true }
  - { name: loud, events: [followed], to: [chat], quiet: false }
  - { name: own, events: [followed], to: [chat], quiet: { from: "08:00", to: "09:00" } }`;
    const { planner: holds, clock } = planner(config(routes, NIGHT));
    clock.now = NIGHT_T;
    expect(holds.hold(followedEvent('a'), { route: 'reports', sink: 'chat' })).toBeUndefined();
    expect(holds.hold(followedEvent('a'), { route: 'loud', sink: 'chat' })).toBeUndefined();
    // its own window, in render.timeZone (UTC here): not the default one
    expect(holds.hold(followedEvent('a'), { route: 'own', sink: 'chat' })).toBeUndefined();
    clock.now = Date.parse('2026-01-15T08:30:00Z');
    expect(holds.hold(followedEvent('a'), { route: 'own', sink: 'chat' })!.until).toBe(Date.parse('2026-01-15T09:00:00Z'));
  });

  it('are checked when the config is read: times, zones, from ≠ to, and where the mistake is', () => {
    expect(() => config(GROUPED, 'quiet: { from: "25:00", to: "07:00" }')).toThrow(/test\.yaml:\d+.*HH:MM/s);
    expect(() => config(GROUPED, 'quiet: { from: "22:00", to: "07:00", timeZone: Mars/Olympus }')).toThrow(/unknown time zone/);
    expect(() => config(GROUPED, 'quiet: { from: "22:00", to: "22:00" }')).toThrow(/must differ/);
    expect(() => config(GROUPED.replace('wait: 30s', 'by: [colour], wait: 30s'))).toThrow(/test\.yaml:\d+/);
    expect(() => config(GROUPED.replace('wait: 30s', 'wait: soon'))).toThrow(/not a duration/);
  });
});
