import { parseConfig } from '../../src/config/load';
import { lintRoute, lintRoutes, lintSourceGaps, lintSourceKinds } from '../../src/route/lint';

function config(routes: string, sources = 'alice: { secret: a }, moderation: { secret: m }') {
  return parseConfig(
    `sources: { ${sources} }
sinks: { d: { type: console } }
routes:
${routes}`,
    'routes.yaml',
    {},
  );
}

const one = (yaml: string) => config(yaml).routes[0]!;

const USER_SENT = 'note, reply, renote, mention, follow, followed, unfollow';
const SYSTEM_SENT = 'abuseReport, abuseReportResolved, userCreated, inactiveModeratorsWarning, inactiveModeratorsInvitationOnlyChanged';

describe('lintRoute', () => {
  it.each([
    // [case, route yaml, expected warnings]
    ['a plain route', `  - { name: r, events: [mention, follow], to: [d] }`, []],
    ['"*" with a text filter (the usual idiom)', `  - { name: r, events: "*", filter: { text: release }, to: [d] }`, []],
    ['note events with a visibility list', `  - { name: r, events: [note], filter: { visibility: [specified] }, to: [d] }`, []],
    ['a fork type with a text filter', `  - { name: r, events: [edited], filter: { text: x }, to: [d] }`, []],
    ['only reaction', `  - { name: r, events: [reaction], to: [d] }`, ['route "r" never matches: reaction is declared by Misskey but not sent today']],
    [
      'reaction beside sent events',
      `  - { name: r, events: [note, reaction], to: [d] }`,
      ['route "r" partly never matches: reaction is declared by Misskey but not sent today'],
    ],
    [
      'a text filter on events without notes',
      `  - { name: r, events: [follow, unfollow], filter: { text: hello }, to: [d] }`,
      ['route "r" never matches: filter.text needs a note, and follow, unfollow carry none'],
    ],
    [
      'hasFiles on system events',
      `  - { name: r, events: [abuseReport], filter: { hasFiles: true }, to: [d] }`,
      ['route "r" never matches: filter.hasFiles: true needs a note, and abuseReport carries none'],
    ],
    ['hasFiles: false on events without notes', `  - { name: r, events: [follow], filter: { hasFiles: false }, to: [d] }`, []],
    [
      'a text filter on a mix',
      `  - { name: r, events: [mention, followed], filter: { text: hello }, to: [d] }`,
      ['route "r" partly never matches: filter.text needs a note, and followed carries none'],
    ],
    [
      'an empty visibility list on note events',
      `  - { name: r, events: [note, reply], filter: { visibility: [] }, to: [d] }`,
      ['route "r" never matches: filter.visibility is [], so no note passes (note, reply)'],
    ],
    [
      'an empty visibility list beside other events',
      `  - { name: r, events: [mention, follow], filter: { visibility: [] }, to: [d] }`,
      ['route "r" partly never matches: filter.visibility is [], so no note passes (mention)'],
    ],
    [
      'an empty visibility list on "*"',
      `  - { name: r, events: "*", filter: { visibility: [] }, to: [d] }`,
      ['route "r" partly never matches: filter.visibility is [], so no note passes (note, reply, renote, mention)'],
    ],
    ['an empty visibility list on events without notes', `  - { name: r, events: [follow], filter: { visibility: [] }, to: [d] }`, []],
    [
      'users on events nobody acts in',
      `  - { name: r, events: [inactiveModeratorsWarning], filter: { users: ["@bob"] }, to: [d] }`,
      ['route "r" never matches: filter.users needs a user who acted, and inactiveModeratorsWarning has none'],
    ],
    [
      'every listed user excluded',
      `  - { name: r, events: "*", filter: { users: ["@Bob"], excludeUsers: ["@bob", "@carol"] }, to: [d] }`,
      ['route "r" never matches: every user in filter.users is also in filter.excludeUsers'],
    ],
    ['some listed users excluded', `  - { name: r, events: "*", filter: { users: ["@bob", "@dan"], excludeUsers: ["@bob"] }, to: [d] }`, []],
    [
      'two reasons at once',
      `  - { name: r, events: [reaction, follow], filter: { text: x }, to: [d] }`,
      ['route "r" never matches: reaction is declared by Misskey but not sent today; filter.text needs a note, and follow carries none'],
    ],
  ])('%s', (_case, yaml, expected) => {
    expect(lintRoute(one(yaml))).toEqual(expected);
  });
});

describe('lintSourceGaps', () => {
  const gaps = (source: string, yaml: string) => lintSourceGaps(source, config(yaml).routes);

  it('is quiet when "*" takes everything', () => {
    expect(gaps('alice', `  - { name: r, events: "*", to: [d] }`)).toEqual([]);
    expect(gaps('alice', `  - { name: r, events: ["*"], to: [d] }`)).toEqual([]);
  });

  it('lists the user events a user source sends that no route takes, reaction aside', () => {
    expect(gaps('alice', `  - { name: r, events: [mention, reply, note, followed], to: [d] }`)).toEqual(['source "alice": no route takes renote, follow, unfollow']);
  });

  it('lists the system events a system source sends that no route takes', () => {
    expect(gaps('moderation', `  - { name: r, sources: [moderation], events: [abuseReport, userCreated], to: [d] }`)).toEqual([
      'source "moderation": no route takes abuseReportResolved, inactiveModeratorsWarning, inactiveModeratorsInvitationOnlyChanged',
    ]);
  });

  it('says so when no route takes anything from a source', () => {
    expect(gaps('moderation', `  - { name: r, sources: [alice], events: "*", to: [d] }`)).toEqual(['source "moderation": no route takes any event from it']);
    expect(gaps('alice', `  - { name: r, events: [reaction], to: [d] }`)).toEqual(['source "alice": no route takes any event from it']);
  });

  it('does not count a route that can never pass the type', () => {
    expect(
      gaps(
        'alice',
        `  - { name: a, events: [note, reply, renote, mention], to: [d] }
  - { name: b, events: [follow, followed, unfollow], filter: { text: x }, to: [d] }`,
      ),
    ).toEqual(['source "alice": no route takes follow, followed, unfollow']);
  });

  it('counts filtered routes: they take some events of the type', () => {
    expect(gaps('alice', `  - { name: r, events: [${USER_SENT}], filter: { users: ["@bob"], bots: false, visibility: [followers] }, to: [d] }`)).toEqual([]);
  });
});

describe('lintSourceKinds', () => {
  const kinds = (source: string, yaml: string) => lintSourceKinds(source, config(yaml).routes);

  it('warns when the routes of one source expect user and system events', () => {
    expect(
      kinds(
        'alice',
        `  - { name: a, sources: [alice], events: [mention], to: [d] }
  - { name: b, sources: [alice], events: [abuseReport], to: [d] }`,
      ),
    ).toEqual([
      'source "alice": its routes take user events (mention) and system events (abuseReport); a Misskey webhook sends one kind only, so some of these routes never match unless two webhooks post to this source',
    ]);
  });

  it('lets a route shared by a user and a system source list both kinds', () => {
    expect(kinds('alice', `  - { name: a, sources: [alice, moderation], events: [mention, abuseReport], to: [d] }`)).toEqual([]);
  });

  it('ignores routes open to every source', () => {
    expect(
      kinds(
        'alice',
        `  - { name: a, events: [mention], to: [d] }
  - { name: b, events: [abuseReport], to: [d] }`,
      ),
    ).toEqual([]);
  });
});

describe('lintRoutes', () => {
  it('is quiet on a config that takes every event it can get', () => {
    expect(
      lintRoutes(
        config(`  - { name: people, sources: [alice], events: [${USER_SENT}], to: [d] }
  - { name: mods, sources: [moderation], events: [${SYSTEM_SENT}], to: [d] }`),
      ),
    ).toEqual([]);
  });

  it('lists route warnings, then source warnings', () => {
    expect(lintRoutes(config(`  - { name: likes, events: [reaction], to: [d] }`, 'alice: { secret: a }'))).toEqual([
      'route "likes" never matches: reaction is declared by Misskey but not sent today',
      'source "alice": no route takes any event from it',
    ]);
  });
});

describe('lintRoutes with a stream source', () => {
  const STREAM = 'alice: { secret: a }, home: { stream: { server: "https://misskey.example", token: t } }';

  it('does not call reaction unsent on a route a stream source feeds', () => {
    const fed = config(`  - { name: likes, sources: [home], events: [reaction], to: [d] }\n  - { name: rest, events: "*", to: [d] }`, STREAM);
    expect(lintRoutes(fed).filter((warning) => warning.includes('likes'))).toEqual([]);
    const webhookOnly = config(`  - { name: likes, sources: [alice], events: [reaction], to: [d] }\n  - { name: rest, events: "*", to: [d] }`, STREAM);
    expect(lintRoutes(webhookOnly)).toContain('route "likes" never matches: reaction is declared by Misskey but not sent today');
  });

  it('asks a stream source only whether any route takes its events', () => {
    const none = config(`  - { name: hooks, sources: [alice], events: "*", to: [d] }`, STREAM);
    expect(lintRoutes(none)).toEqual(['source "home": no route takes any event from it']);
    const some = config(`  - { name: asks, sources: [home], events: [followRequest], to: [d] }\n  - { name: hooks, sources: [alice], events: "*", to: [d] }`, STREAM);
    expect(lintRoutes(some)).toEqual([]);
  });
});
