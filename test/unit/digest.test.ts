import { summaryRenderer } from '../../src/deliver/summary';
import type { Event } from '../../src/normalize/event';
import { buildDigestView, DIGEST_SHOWN, DIGEST_TEXT_BUDGET } from '../../src/render/digest';
import { PLATFORMS } from '../../src/render/message';
import { BUNDLED_TEMPLATES, TemplateSet } from '../../src/render/templates';
import { SINKS } from '../../src/sinks/registry';
import { followedEvent, mentionEvent, noteEvent } from '../helpers/events';

const templates = TemplateSet.load([BUNDLED_TEMPLATES], { timeZone: 'UTC', locale: 'en', slackCw: 'link' });
const render = summaryRenderer(() => templates);
const jobs = (events: Event[], kind: 'group' | 'quiet' = 'group') =>
  events.map((payload) => ({ payload, hold: { until: 0, group: 'g', kind } }));
const follows = (n: number) => Array.from({ length: n }, (_, i) => followedEvent(`f${i}`));

describe('the digest template', () => {
  it('reads "12 new followers: @f0, …, … and 2 more", naming each follower once', () => {
    const message = render(jobs(follows(12)), 'console');
    const names = Array.from({ length: DIGEST_SHOWN }, (_, i) => `@f${i}`).join(', ');
    expect(message.text).toBe(`12 new followers: ${names}, … and 2 more`);
    expect(message.event).toBe('digest');
    expect(message.footer).toBe('misskey.example');
  });

  it('links each name on the chat platforms', () => {
    expect(render(jobs(follows(2)), 'discord').text).toBe(
      '2 new followers: [@f0](<https://misskey.example/@f0>), [@f1](<https://misskey.example/@f1>)',
    );
    expect(render(jobs(follows(1)), 'slack').text).toBe('1 new follower: <https://misskey.example/@f0|@f0>');
    expect(render(jobs(follows(1)), 'matrix').text).toBe('1 new follower: <a href="https://misskey.example/@f0">@f0</a>');
  });

  it('lists notes with an excerpt and counts mixed events by type; says when quiet hours held them', () => {
    const events = [mentionEvent('m1'), followedEvent('a'), noteEvent('hello there', 'n1'), followedEvent('b')];
    const message = render(jobs(events, 'quiet'), 'console');
    const lines = message.text.split('\n');
    expect(lines[0]).toBe('4 events (2 new followers, 1 mention, 1 note) from @bob, @a, @alice, @b');
    expect(lines.filter((line) => line.startsWith('• '))).toHaveLength(2);
    expect(lines.some((line) => line.includes('(note): hello there'))).toBe(true);
    expect(message.footer).toBe('misskey.example · held during quiet hours');
  });

  it('names every actor once, however many events each has', () => {
    const english = templates.wording();
    const view = buildDigestView([followedEvent('a', '1'), followedEvent('A', '2'), followedEvent('b', '3')], 'group', english);
    expect(view.actors.map((actor) => actor.acct)).toEqual(['@a', '@b']);
    expect(view).toMatchObject({ count: 3, type: 'followed', headline: '3 new followers', more: 0, moreActors: 0 });
  });

  it.each(PLATFORMS)('stays within the %s text limit for a night of 2000 long notes from 2000 people', (platform) => {
    const events = Array.from({ length: 2000 }, (_, i) => {
      const note = noteEvent(`${'a very long note '.repeat(300)}${i}`, `n${i}`);
      const user = { ...note.note.user, acct: `@${'someone'.repeat(12)}${i}@${'host'.repeat(20)}.example`, name: 'N'.repeat(200) };
      return { ...note, note: { ...note.note, user } };
    });
    const message = render(jobs(events), platform);
    expect(message.text.length).toBeLessThanOrEqual(Math.min(SINKS[platform].textLimit, DIGEST_TEXT_BUDGET));
    expect(message.plain.length).toBeLessThanOrEqual(DIGEST_TEXT_BUDGET);
    // fewer listed by name, the rest counted
    expect(message.plain).toMatch(/… and 199\d more$/);
  });
});
