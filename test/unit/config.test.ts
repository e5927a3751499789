import { readFileSync } from 'node:fs';
import { ConfigError } from '../../src/config/errors';
import { parseConfig } from '../../src/config/load';

function problems(yaml: string, env: NodeJS.ProcessEnv = {}): string[] {
  try {
    parseConfig(yaml, '/etc/bridge/config.yaml', env);
  } catch (error) {
    if (error instanceof ConfigError) return error.message.split('\n');
    throw error;
  }
  throw new Error('config was accepted');
}

const minimal = `
sources:
  alice: { secret: s3cret }
sinks:
  terminal: { type: console }
routes:
  - name: all
    events: "*"
    to: [terminal]
`;

describe('config', () => {
  it('fills defaults for everything left out', () => {
    const config = parseConfig(minimal, 'config.yaml', {});
    expect(config.server).toEqual({ host: '0.0.0.0', port: 3000, bodyLimit: 1024 * 1024, headersTimeout: 10_000, bodyTimeout: 10_000, keepAliveTimeout: 65_000, maxConnections: 256 });
    expect(config.storage).toEqual({ driver: 'sqlite', path: './data/bridge.db', sync: 'normal' });
    expect(config.routes[0]!.filter).toEqual({});
    expect(config.delivery.maxAttempts).toBe(10);
    expect(config.delivery.leaseTime).toBe(15_000);
    expect(config.templates).toBe('./templates');
  });

  it('reads delivery.leaseTime as a duration of at least a second', () => {
    expect(parseConfig(`${minimal}delivery: { leaseTime: 30s }\n`, 'config.yaml', {}).delivery.leaseTime).toBe(30_000);
    expect(problems(`${minimal}delivery: { leaseTime: 500ms }\n`).join('\n')).toMatch(/delivery\.leaseTime: must be at least 1s/);
  });

  it('interpolates ${VAR} and ${VAR:-default}', () => {
    const config = parseConfig(
      `server: { port: "\${PORT:-4000}", bodyLimit: 2mb }
sources:
  alice: { secret: "\${ALICE}" }
sinks: { t: { type: console } }
routes: []`,
      'config.yaml',
      { ALICE: 'from-env' },
    );
    expect(config.sources.alice!.secret).toBe('from-env');
    expect(config.server.port).toBe(4000);
    expect(config.server.bodyLimit).toBe(2 * 1024 * 1024);
  });

  it('names file, line and key path for every problem', () => {
    const found = problems(`server: { port: 3000 }
sources:
  alice: { secret: "\${ALICE_SECRET}" }
sinks:
  terminal: { type: console, colour: red }
  other: { type: discrod }
routes:
  - name: a
    events: [mention, mentoin]
    to: [terminal]
  - name: b
    events: "*"
    filter: { text: "(?i)release", visiblity: [public] }
    to: [terminal, discrod-main]
`);
    expect(found).toEqual(
      expect.arrayContaining([
        'config.yaml:3 sources.alice.secret: environment variable ALICE_SECRET is not set',
        'config.yaml:5 sinks.terminal.colour: unknown key "colour"',
        expect.stringMatching(/^config\.yaml:6 sinks\.other\.type: Invalid discriminator value/),
        expect.stringMatching(/^config\.yaml:9 routes\[0\]\.events\[1\]: unknown event "mentoin"/),
        'config.yaml:13 routes[1].filter.visiblity: unknown key "visiblity"',
      ]),
    );
  });

  it('checks that routes name defined sinks and sources', () => {
    expect(
      problems(`sources: { alice: { secret: s3cret } }
sinks: { terminal: { type: console } }
routes:
  - name: r
    sources: [alise]
    events: [note]
    to: [terminal, discrod-main]
  - name: r
    events: [note]
    to: [terminal]
`),
    ).toEqual([
      'config.yaml:7 routes[0].to[1]: unknown sink "discrod-main"',
      'config.yaml:5 routes[0].sources[0]: unknown source "alise"',
      'config.yaml:8 routes[1].name: duplicate route name "r"',
    ]);
  });

  it('reports YAML syntax errors with their line', () => {
    expect(problems('sources:\n  alice: { secret: x\nsinks: {}\n')[0]).toMatch(/^config\.yaml:\d+: /);
  });

  it('rejects a bad regular expression, duration and acct', () => {
    const found = problems(`${minimal}
    filter: { text: "(unclosed", users: [bob] }
delivery: { initialBackoff: soon }
`);
    expect(found.join('\n')).toMatch(/routes\[0\]\.filter\.text: invalid regular expression/);
    expect(found.join('\n')).toMatch(/routes\[0\]\.filter\.users\[0\]: write users as/);
    expect(found.join('\n')).toMatch(/delivery\.initialBackoff: "soon" is not a duration/);
  });

  it.each([
    ['bare "*"', '"*"', '*'],
    ['"*" alone in the list', '["*"]', '*'],
    ['"*" beside event types', '[mention, "*"]', '*'],
    ['event types, repeats dropped', '[mention, reply, mention]', ['mention', 'reply']],
  ])('reads route events written as %s in one form', (_form, events, expected) => {
    const config = parseConfig(minimal.replace('events: "*"', `events: ${events}`), 'config.yaml', {});
    expect(config.routes[0]!.events).toEqual(expected);
  });

  it('still refuses an empty event list and unknown types beside "*"', () => {
    expect(problems(minimal.replace('events: "*"', 'events: []')).join('\n')).toMatch(/routes\[0\]\.events/);
    expect(problems(minimal.replace('events: "*"', 'events: ["*", mentoin]')).join('\n')).toMatch(/routes\[0\]\.events\[1\]: unknown event "mentoin"/);
  });

  it('makes (?i) case-insensitive', () => {
    const config = parseConfig(`${minimal}    filter: { text: "(?i)release" }\n`, 'config.yaml', {});
    expect(config.routes[0]!.filter.text!.test('New RELEASE out')).toBe(true);
  });

  it('accepts the example config once its secrets are in the environment', () => {
    const text = readFileSync(`${__dirname}/../../config.example.yaml`, 'utf8');
    expect(() => parseConfig(text, 'config.example.yaml', { ALICE_HOOK_SECRET: 'k2v9Qw7rTz', SYSTEM_HOOK_SECRET: 'Zp4mL8xN1c' })).not.toThrow();
    expect(problems(text).join('\n')).toMatch(/config\.yaml:\d+ sources\.alice\.secret: environment variable ALICE_HOOK_SECRET is not set/);
  });

  it.each(['change-me', 'CHANGE_ME', 'change-me-too', 'changeme', 'replace-me', 'your-secret-here', 'secret', 'xxxxxxxx', '<secret>', '...'])(
    'refuses the placeholder secret %s, naming the file:line and key',
    (placeholder) => {
      const yaml = minimal.replace('s3cret', JSON.stringify(placeholder));
      expect(problems(yaml)).toEqual([expect.stringMatching(/^config\.yaml:3 sources\.alice\.secret: .*placeholder/)]);
    },
  );

  it('refuses a Misskey server reached over plain http unless it is this machine', () => {
    const withServer = (server: string) => minimal.replace('secret: s3cret', `secret: s3cret, server: "${server}", adminToken: t0ken`);
    expect(problems(withServer('http://misskey.example'))).toEqual([expect.stringMatching(/^config\.yaml:3 sources\.alice\.server: .*use https/)]);
    for (const server of ['https://misskey.example', 'http://127.0.0.1:3000', 'http://localhost:3000', 'http://[::1]:3000']) {
      expect(parseConfig(withServer(server), 'config.yaml', {}).sources.alice!.server).toBe(server);
    }
  });

  it('refuses an empty secret unless the source allows it', () => {
    expect(problems(minimal.replace('s3cret', '""'))).toEqual([expect.stringMatching(/^config\.yaml:3 sources\.alice\.secret: empty.*allowEmptySecret: true/)]);
    const allowed = parseConfig(minimal.replace('secret: s3cret', 'secret: "", allowEmptySecret: true'), 'config.yaml', {});
    expect(allowed.sources.alice).toMatchObject({ secret: '', allowEmptySecret: true });
  });

  it('refuses the guild id among Discord moderators: it is the @everyone role', () => {
    const discord = (moderators: string, guild = 'guildId: "111111111111111111", ') =>
      minimal.replace(
        'terminal: { type: console }',
        `terminal: { type: console }\n  mods: { type: discord, botToken: t, channelId: "222222222222222222", ${guild}publicKey: "${'a'.repeat(64)}", moderators: [${moderators}] }`,
      );
    expect(problems(discord('"333333333333333333", "111111111111111111"'))).toEqual([
      expect.stringMatching(/^config\.yaml:6 sinks\.mods\.moderators\[1\]: "111111111111111111" is the server's id, which is also its @everyone role: every member could act/),
    ]);
    expect(problems(discord('"333333333333333333"', ''))).toEqual([expect.stringMatching(/sinks\.mods\.guildId: moderation and acting from chat need guildId/)]);
    expect(() => parseConfig(discord('"333333333333333333"'), 'config.yaml', {})).not.toThrow();
  });
});

