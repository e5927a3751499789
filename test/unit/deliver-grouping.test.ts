import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseConfig } from '../../src/config/load';
import { templateRenderer } from '../../src/deliver/render-jobs';
import { summaryRenderer } from '../../src/deliver/summary';
import { plan } from '../../src/ingest';
import type { Event } from '../../src/normalize/event';
import { BUNDLED_TEMPLATES, TemplateSet } from '../../src/render/templates';
import { HoldPlanner } from '../../src/route/hold';
import { followedEvent, mentionEvent } from '../helpers/events';
import type { ScriptedSink } from '../helpers/scripted-sink';
import { Harness, MINUTE, SECOND, T0 } from './deliver-harness';

/** Grouping from planning to the platform, on the worker's fake clock, with the real templates. */

const config = parseConfig(
  `
sources: { misskey: { secret: s } }
sinks: { chat: { type: console } }
routes:
  - name: social
    events: [followed, mention]
    to: [chat]
    group: { wait: 30s, interval: 10m }
`,
  'test.yaml',
  {},
);

let h: Harness;
let dir: string | undefined;
afterEach(async () => {
  await h.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = undefined;
});

function setUp(templates: TemplateSet): { sink: ScriptedSink; post: (event: Event) => Promise<void> } {
  h = new Harness({ render: templateRenderer(() => templates), renderSummary: summaryRenderer(() => templates) });
  const sink = h.sink({ name: 'chat', platform: 'console' });
  const holds = new HoldPlanner(config, () => h.clock);
  const lanes = new Map([['chat', sink.lane]]);
  const post = async (event: Event) => {
    await h.queue.jobs.accept(event.source, event.id, plan(event, { config, lanes, holds }), h.clock);
    await h.run();
  };
  return { sink, post };
}

const followers = Array.from({ length: 100 }, (_, i) => `follower${i}`);

describe('grouping on a fake clock', () => {
  it('100 follows in 10 minutes make 2 summaries (after 30 s, then 10 min later), no follower named twice, a mention at once', async () => {
    const { sink, post } = setUp(TemplateSet.load([BUNDLED_TEMPLATES], config.render));
    for (const [i, name] of followers.entries()) {
      await h.advanceTo(T0 + i * 6 * SECOND);
      await post(followedEvent(name));
      if (i === 50) await post(mentionEvent('m1'));
    }
    await h.advanceTo(T0 + 30 * SECOND + 10 * MINUTE - 1);
    expect(sink.sent).toHaveLength(2);
    await h.advanceTo(T0 + 30 * SECOND + 10 * MINUTE);
    await h.advanceTo(T0 + 20 * MINUTE);

    expect(sink.sent.map((delivery) => [delivery.at! - T0, delivery.texts.length])).toEqual([
      [30 * SECOND, 1],
      [50 * 6 * SECOND, 1],
      [30 * SECOND + 10 * MINUTE, 1],
    ]);
    const [first, mention, second] = sink.sent.map((delivery) => delivery.texts[0]!);
    expect(first).toBe(`5 new followers: ${followers.slice(0, 5).map((name) => `@${name}`).join(', ')}`);
    expect(mention).not.toContain('new followers');
    expect(second).toBe(`95 new followers: ${followers.slice(5, 15).map((name) => `@${name}`).join(', ')}, … and 85 more`);
    for (const name of followers) {
      expect(sink.sent.filter((delivery) => delivery.texts.some((text) => new RegExp(`@${name}\\b`).test(text))).length).toBeLessThanOrEqual(1);
    }
    expect(await h.waiting()).toBe(0);
  });

  it('with a digest template listing every actor, each of the 100 followers is named exactly once', async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'digest-'));
    writeFileSync(path.join(dir, 'digest.hbs'), '{{count}}: {{#each actors}}{{handle this}} {{/each}}\n');
    const { sink, post } = setUp(TemplateSet.load([BUNDLED_TEMPLATES, dir], config.render));
    for (const [i, name] of followers.entries()) {
      await h.advanceTo(T0 + i * 6 * SECOND);
      await post(followedEvent(name));
    }
    await h.advanceTo(T0 + 20 * MINUTE);

    expect(sink.sent.map((delivery) => delivery.texts[0]!.split(':')[0])).toEqual(['5', '95']);
    const named = sink.sent.flatMap((delivery) => delivery.texts[0]!.split(': ')[1]!.trim().split(' '));
    expect(named).toHaveLength(100);
    expect(new Set(named)).toEqual(new Set(followers.map((name) => `@${name}`)));
  });

  it('quiet hours across the night clocks go back (Europe/Berlin): the whole night, mentions too, in one summary at 07:00 local', async () => {
    const night = parseConfig(
      `
sources: { misskey: { secret: s } }
sinks: { chat: { type: console } }
quiet: { from: "22:00", to: "07:00", timeZone: Europe/Berlin }
routes:
  - { name: social, events: [followed, mention], to: [chat], group: { wait: 30s, interval: 10m } }
`,
      'test.yaml',
      {},
    );
    const templates = TemplateSet.load([BUNDLED_TEMPLATES], night.render);
    h = new Harness({ render: templateRenderer(() => templates), renderSummary: summaryRenderer(() => templates) });
    const sink = h.sink({ name: 'chat', platform: 'console' });
    const holds = new HoldPlanner(night, () => h.clock);
    const post = async (event: Event) => {
      await h.queue.jobs.accept(event.source, event.id, plan(event, { config: night, lanes: new Map([['chat', sink.lane]]), holds }), h.clock);
      await h.run();
    };
    // 23:00 CEST on 24 October 2026 → 07:00 CET on 25 October is 9 hours, the night being 25 hours long
    h.clock = Date.parse('2026-10-24T21:00:00Z');
    await post(followedEvent('ann'));
    h.clock = Date.parse('2026-10-25T00:30:00Z'); // 02:30 CEST
    await post(mentionEvent('m1'));
    h.clock = Date.parse('2026-10-25T01:30:00Z'); // 02:30 CET, the same wall time again
    await post(followedEvent('ben'));
    await h.advanceTo(Date.parse('2026-10-25T05:59:59Z'));
    expect(sink.sent).toEqual([]);
    await h.advanceTo(Date.parse('2026-10-25T06:00:00Z'));
    expect(sink.sent).toHaveLength(1);
    expect(sink.sent[0]!.texts[0]!.split('\n')[0]).toBe('3 events (2 new followers, 1 mention) from @ann, @bob, @ben');
    expect(await h.waiting()).toBe(0);
  });
});
