import { spawnSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';

/** The Redis the Redis tests use. Without one they are skipped, unless CI=true: then they fail. */
export const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
export const CI = process.env.CI === 'true';

/** asked in a child process so that jest can be told at collection time whether to run the tests */
export function redisReachable(url = REDIS_URL): boolean {
  const script = `
    const Redis = require(${JSON.stringify(require.resolve('ioredis'))}).default;
    const client = new Redis(process.argv[1], { lazyConnect: true, connectTimeout: 1000, maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    client.connect().then(() => client.ping()).then(() => process.exit(0), () => process.exit(1));`;
  return spawnSync(process.execPath, ['-e', script, url], { timeout: 5000 }).status === 0;
}

/** a fresh namespace: tests never see each other's keys, and cleanup deletes only these */
export function newPrefix(): string {
  return `mb-test:${randomUUID()}`;
}

/**
 * `describe` for tests that need Redis: skipped with a warning when none answers, unless CI=true,
 * where they run and fail at once.
 */
export function describeRedis(name: string, body: () => void): void {
  const up = redisReachable();
  if (!up && !CI) console.warn(`${name}: SKIPPED, no Redis answers at ${REDIS_URL} (set REDIS_URL; with CI=true it fails instead)`);
  const suite = up || CI ? describe : describe.skip;
  suite(name, () => {
    beforeAll(() => {
      if (!up) throw new Error(`no Redis answers at ${REDIS_URL}, and CI=true requires the Redis tests to run`);
    });
    body();
  });
}
