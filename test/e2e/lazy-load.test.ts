import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { spawnBridge, type BridgeProcess } from '../helpers/bridge-process';

/**
 * `serve` loads a platform's client library only when a sink of that platform is configured, and
 * the Redis client only on a Redis store: what the process holds once it listens is read by a
 * preloaded script (test/helpers/module-report.js) on SIGUSR2.
 */

const REPORTER = path.resolve(__dirname, '../helpers/module-report.js');

const libraries = {
  discord: /[\\/]node_modules[\\/]@discordjs[\\/]rest[\\/]/,
  undici: /[\\/]node_modules[\\/]undici[\\/]/,
  slack: /[\\/]node_modules[\\/]@slack[\\/]web-api[\\/]/,
  redis: /[\\/]node_modules[\\/]ioredis[\\/]/,
};

describe('serve loads only what the config uses', () => {
  let dir: string;
  let bridge: BridgeProcess | undefined;
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bridge-lazy-'));
  });
  afterEach(async () => {
    if (bridge && bridge.child.exitCode === null) {
      bridge.child.kill('SIGTERM');
      await bridge.exited;
    }
    bridge = undefined;
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** Starts `serve` on this config, waits until it listens and returns the modules it has loaded. */
  async function modulesOnceListening(name: string, sinks: string): Promise<string[]> {
    const configFile = path.join(dir, `${name}.yaml`);
    const report = path.join(dir, `${name}.json`);
    writeFileSync(
      configFile,
      `server: { host: 127.0.0.1, port: 0 }
storage: { driver: sqlite, path: ${JSON.stringify(path.join(dir, `${name}.db`))} }
sources: { alice: { secret: x } }
sinks: ${sinks}
routes: [ { name: everything, events: "*", to: [out] } ]
`,
    );
    bridge = await spawnBridge(configFile, { MODULE_REPORT: report }, { preload: [REPORTER] });
    bridge.child.kill('SIGUSR2');
    const deadline = Date.now() + 10_000;
    while (!existsSync(report)) {
      if (Date.now() > deadline) throw new Error('the bridge wrote no module report');
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    const { modules } = JSON.parse(readFileSync(report, 'utf8')) as { modules: string[] };
    return modules;
  }

  const loaded = (modules: string[], library: RegExp) => modules.some((file) => library.test(file));

  it('console only on SQLite: neither platform library nor the Redis client', async () => {
    const modules = await modulesOnceListening('console', '{ out: { type: console } }');
    // the report is real: the bridge's own modules and its store's driver are in it
    expect(modules.some((file) => file.endsWith(path.join('src', 'sinks', 'console', 'console-sink.ts')))).toBe(true);
    expect(loaded(modules, /[\\/]node_modules[\\/]better-sqlite3[\\/]/)).toBe(true);
    expect(loaded(modules, libraries.discord)).toBe(false);
    expect(loaded(modules, libraries.slack)).toBe(false);
    expect(loaded(modules, libraries.redis)).toBe(false);
  });

  it('one Discord sink: its REST client on Node\'s fetch, but neither npm undici nor @slack/web-api', async () => {
    // the start-up check of this webhook fails (nothing listens on port 1): the sink exists all the same
    const webhookUrl = `http://127.0.0.1:1/api/webhooks/123456789012345678/${'x'.repeat(68)}`;
    const modules = await modulesOnceListening('discord', `{ out: { type: discord, webhookUrl: "${webhookUrl}" } }`);
    expect(loaded(modules, libraries.discord)).toBe(true);
    expect(loaded(modules, libraries.undici)).toBe(false);
    expect(loaded(modules, libraries.slack)).toBe(false);
    expect(loaded(modules, libraries.redis)).toBe(false);
  });
});
