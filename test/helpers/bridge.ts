import { openSqliteStore } from '../../src/store/sqlite/store';
import { startBridge, type RunningBridge } from '../../src/app';
import { parseConfig } from '../../src/config/load';
import type { Config } from '../../src/config';
import { silentLogger, type Logger } from '../../src/observe/logger';
import type { Store } from '../../src/store/store';

export const SECRET = 'test-secret-1234';

/** A config from YAML (sources/sinks/routes), listening on an ephemeral port. */
export function testConfig(yaml: string, env: NodeJS.ProcessEnv = {}): Config {
  const config = parseConfig(yaml, 'test.yaml', env);
  return { ...config, server: { ...config.server, host: '127.0.0.1', port: 0 } };
}

export const CONSOLE_CONFIG = `
sources:
  alice: { secret: "${SECRET}" }
  system: { secret: "${SECRET}" }
sinks:
  terminal: { type: console }
routes:
  - name: everything
    events: "*"
    filter: { visibility: [public, home, followers, specified] }
    to: [terminal]
`;

export interface TestBridge extends RunningBridge {
  post(source: string, body: unknown, headers?: Record<string, string>): Promise<Response>;
}

export async function startTestBridge(
  config: Config,
  options: { store?: Store; logger?: Logger; worker?: { pollMs?: number; leaseMs?: number; digestThreshold?: number } } = {},
): Promise<TestBridge> {
  const bridge = await startBridge({
    config,
    logger: options.logger ?? silentLogger(),
    store: options.store ?? openSqliteStore({ path: ':memory:' }),
    worker: { pollMs: 20, ...options.worker },
    watchTemplates: false,
  });
  return {
    ...bridge,
    post: (source, body, headers = {}) =>
      fetch(`${bridge.url}/hooks/${source}`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Misskey-Hooks',
          'x-misskey-hook-secret': SECRET,
          'x-misskey-host': 'misskey.example',
          ...headers,
        },
        body: typeof body === 'string' || Buffer.isBuffer(body) ? body : JSON.stringify(body),
      }),
  };
}

/** Waits until `check` passes, polling; fails with the last error after `timeoutMs`. */
export async function eventually<T>(check: () => T | Promise<T>, timeoutMs = 5000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
  }
}

/**
 * Collects what is written to stdout (what a console sink prints) during each test of the suite,
 * without showing it; the returned function gives what was printed so far in the current test.
 */
export function captureStdout(): () => string {
  let printed: string[] = [];
  beforeEach(() => {
    printed = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
  });
  afterEach(() => {
    jest.restoreAllMocks();
  });
  return () => printed.join('');
}
