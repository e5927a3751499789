import { parseConfig } from '../../src/config/load';
import type { Event } from '../../src/normalize/event';
import { normalize } from '../../src/normalize/normalize';
import { explain, route } from '../../src/route/route';
import { fixture } from '../helpers/fixtures';

const event = (name: string, source = 'alice'): Event => {
  const f = fixture(name);
  return normalize({ source, payload: f.body, misskeyHost: f.host });
};

function routes(yaml: string) {
  return parseConfig(
    `sources: { alice: { secret: a }, bob: { secret: b } }
sinks: { d: { type: console }, s: { type: console }, m: { type: console } }
routes:
${yaml}`,
    'routes.yaml',
    {},
  ).routes;
}

describe('route', () => {
  it.each([
    // [case, routes yaml, fixture, expected "route→sink" list]
    ['"*" matches every event', `  - { name: all, events: "*", to: [d] }`, 'follow.local.json', ['all→d']],
    ['"*" inside the list matches every event', `  - { name: all, events: ["*"], to: [d] }`, 'mention.local.json', ['all→d']],
    ['"*" beside event types matches every event', `  - { name: all, events: [note, "*"], to: [d] }`, 'follow.local.json', ['all→d']],
    ['an event list', `  - { name: m, events: [mention, reply], to: [d] }`, 'mention.local.json', ['m→d']],
    ['an event not listed', `  - { name: m, events: [mention], to: [d] }`, 'note.basic.json', []],
    ['sources', `  - { name: b, sources: [bob], events: "*", to: [d] }`, 'note.basic.json', []],
    ['followers-only notes are held back by default', `  - { name: n, events: [note], to: [d] }`, 'note.followers-localonly.json', []],
    ['direct notes are held back by default', `  - { name: n, events: [note], to: [d] }`, 'note.specified.json', []],
    ['unless the route lists them', `  - { name: n, events: [note], filter: { visibility: [specified] }, to: [d] }`, 'note.specified.json', ['n→d']],
    ['events without a note ignore visibility', `  - { name: f, events: [followed], filter: { visibility: [public] }, to: [d] }`, 'followed.local.json', ['f→d']],
    ['users by acct', `  - { name: u, events: "*", filter: { users: ["@kenji@MASTODON.example"] }, to: [d] }`, 'reply.remote.json', ['u→d']],
    ['users not matching', `  - { name: u, events: "*", filter: { users: ["@bob"] }, to: [d] }`, 'reply.remote.json', []],
    ['excludeUsers', `  - { name: u, events: "*", filter: { excludeUsers: ["@alice"] }, to: [d] }`, 'note.basic.json', []],
    ['text regex over text and CW', `  - { name: t, events: "*", filter: { text: "(?i)SPOILER" }, to: [d] }`, 'note.cw.json', ['t→d']],
    ['text regex not matching', `  - { name: t, events: "*", filter: { text: "^zzz$" }, to: [d] }`, 'note.cw.json', []],
    ['text filter on an event without text', `  - { name: t, events: "*", filter: { text: "." }, to: [d] }`, 'followed.local.json', []],
    ['hasFiles true', `  - { name: f, events: "*", filter: { hasFiles: true }, to: [d] }`, 'note.files.json', ['f→d']],
    ['hasFiles false', `  - { name: f, events: "*", filter: { hasFiles: false }, to: [d] }`, 'note.files.json', []],
    ['bots: false drops bots', `  - { name: b, events: "*", filter: { bots: false }, to: [d] }`, 'mention.remote.json', []],
    ['bots: false keeps people', `  - { name: b, events: "*", filter: { bots: false }, to: [d] }`, 'mention.local.json', ['b→d']],
    [
      'every matching route fires; each sink once',
      `  - { name: one, events: "*", to: [d, s] }
  - { name: two, events: [note], to: [s, m] }`,
      'note.basic.json',
      ['one→d', 'one→s', 'two→m'],
    ],
  ])('%s', (_case, yaml, name, expected) => {
    expect(route(event(name), routes(yaml)).map((match) => `${match.route}→${match.sink}`)).toEqual(expected);
  });

  it('uses the route template, else the event type', () => {
    const matches = route(event('mention.local.json'), routes(`  - { name: a, events: "*", to: [d], template: alert }
  - { name: b, events: "*", to: [s] }`));
    expect(matches.map((match) => match.template)).toEqual(['alert', 'mention']);
  });

  it('routes an unknown type by its own name or "*"', () => {
    const f = fixture('note.basic.json');
    const edited = normalize({ source: 'alice', payload: { ...f.body, type: 'edited' } });
    expect(route(edited, routes(`  - { name: e, events: [edited], to: [d] }
  - { name: n, events: [note], to: [s] }
  - { name: all, events: "*", to: [m] }`)).map((match) => match.route)).toEqual(['e', 'all']);
  });

  it('routes an unknown type and explains a match alike for "*" in a list', () => {
    const f = fixture('note.basic.json');
    const edited = normalize({ source: 'alice', payload: { ...f.body, type: 'edited' } });
    const listed = routes(`  - { name: all, events: ["*"], to: [d] }`);
    expect(route(edited, listed).map((match) => match.route)).toEqual(['all']);
    expect(explain(event('mention.local.json'), listed)).toEqual([{ route: 'all', matched: true, reasons: [] }]);
  });

  it('explains why routes do not fire', () => {
    const verdicts = explain(
      event('note.specified.json'),
      routes(`  - { name: m, sources: [bob], events: [mention], filter: { bots: false }, to: [d] }`),
    );
    expect(verdicts).toEqual([
      {
        route: 'm',
        matched: false,
        reasons: ['source "alice" is not in [bob]', 'event "note" is not in [mention]', 'note visibility "specified" is not in [public, home]'],
      },
    ]);
  });
});
