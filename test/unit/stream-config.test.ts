import { ConfigError } from '../../src/config';
import { parseConfig } from '../../src/config/load';

const parse = (source: string) =>
  parseConfig(`sources:\n  home: ${source}\nsinks: { d: { type: console } }\nroutes: [{ name: r, events: "*", to: [d] }]\n`, 'config.yaml', { TOKEN: 'from-env' });

describe('stream sources in the config', () => {
  it('takes a server and a token from the environment, with defaults for the rest', () => {
    const { stream } = parse('{ stream: { server: "https://misskey.example", token: "${TOKEN}" } }').sources.home!;
    expect(stream).toEqual({ server: 'https://misskey.example', token: 'from-env', chat: false, tokenCheck: 60_000, silentAfter: 90_000, initialBackoff: 1000, maxBackoff: 300_000, rejectedRetry: 300_000 });
  });

  it('accepts http only to a loopback address', () => {
    expect(() => parse('{ stream: { server: "http://127.0.0.1:3000", token: t } }')).not.toThrow();
    expect(() => parse('{ stream: { server: "http://misskey.example", token: t } }')).toThrow(/sources\.home\.stream\.server: the token would cross the network in clear/);
  });

  it('wants a webhook secret or a stream', () => {
    expect(() => parse('{ allowEmptySecret: false }')).toThrow(ConfigError);
    expect(() => parse('{ allowEmptySecret: false }')).toThrow(/needs a webhook secret, or `stream: \{ server, token \}`/);
  });

  it('gives every route reaction grouping by default, or none with false', () => {
    const config = parseConfig(
      `sources: { a: { secret: s3cr3t-value } }\nsinks: { d: { type: console } }\nroutes:\n  - { name: r, events: [reaction], to: [d] }\n  - { name: each, events: [reaction], to: [d], reactions: false }\n`,
      'config.yaml',
      {},
    );
    expect(config.routes[0]!.reactions).toEqual({ window: 10_000, cap: 100 });
    expect(config.routes[1]!.reactions).toBe(false);
  });
});
