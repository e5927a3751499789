import fc from 'fast-check';
import { ingest, type IngestDeps } from '../../src/ingest';
import { silentLogger } from '../../src/observe/logger';
import { openSqliteStore } from '../../src/store/sqlite/store';
import { IngestError } from '../../src/receive/errors';
import { eventName } from '../../src/normalize/event';
import { PLATFORMS } from '../../src/render/message';
import { renderMessage } from '../../src/render/render';
import { TemplateStore } from '../../src/render/template-store';
import { BUNDLED_TEMPLATES } from '../../src/render/templates';
import { CONSOLE_CONFIG, SECRET, startTestBridge, testConfig } from '../helpers/bridge';
import { allFixtures } from '../helpers/fixtures';

const fixtures = allFixtures().map((f) => f.body);

/** Replaces or deletes values at random places of a fixture. */
function mutate(value: unknown, edits: [number[], unknown | undefined][]): unknown {
  const copy = structuredClone(value) as Record<string, unknown>;
  for (const [path, replacement] of edits) {
    let node: unknown = copy;
    for (const [depth, choice] of path.entries()) {
      if (node === null || typeof node !== 'object') break;
      const keys = Object.keys(node);
      if (keys.length === 0) break;
      const key = keys[choice % keys.length]!;
      const container = node as Record<string, unknown>;
      if (depth === path.length - 1 || typeof container[key] !== 'object' || container[key] === null) {
        if (replacement === undefined) delete container[key];
        else container[key] = replacement;
        break;
      }
      node = container[key];
    }
  }
  return copy;
}

const mutatedFixture = fc
  .tuple(
    fc.nat({ max: fixtures.length - 1 }),
    fc.array(fc.tuple(fc.array(fc.nat(), { minLength: 1, maxLength: 6 }), fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined })), {
      minLength: 1,
      maxLength: 4,
    }),
  )
  .map(([index, edits]) => mutate(fixtures[index], edits));

const anyBody = fc.oneof(
  mutatedFixture.map((payload) => Buffer.from(JSON.stringify(payload))),
  fc.jsonValue().map((payload) => Buffer.from(JSON.stringify(payload))),
  fc.string().map((text) => Buffer.from(text)),
  fc.uint8Array({ maxLength: 200 }).map((bytes) => Buffer.from(bytes)),
);

describe('hostile payloads', () => {
  const queue = openSqliteStore({ path: ':memory:' });
  const config = testConfig(CONSOLE_CONFIG);
  const deps: IngestDeps = {
    config,
    lanes: new Map([['terminal', 'console:terminal']]),
    jobs: queue.jobs,
    now: () => Date.now(),
    accepting: () => true,
  };
  const store = new TemplateStore([BUNDLED_TEMPLATES], config.render, silentLogger());

  it('ingest() either stores the event or refuses it as bad input, never half-stores, and the bundled templates word what it stores', async () => {
    await fc.assert(
      fc.asyncProperty(anyBody, async (body) => {
        const before = JSON.stringify(await queue.jobs.stats());
        try {
          const outcome = await ingest({ source: 'alice', secret: SECRET, misskeyHost: 'misskey.example', body }, deps);
          expect(['stored', 'duplicate']).toContain(outcome.result);
          for (const platform of PLATFORMS) expect(() => renderMessage(outcome.event, eventName(outcome.event), platform, store.get())).not.toThrow();
        } catch (error) {
          expect(error).toBeInstanceOf(IngestError);
          expect(['malformed-json', 'invalid-payload']).toContain((error as IngestError).kind);
          expect(JSON.stringify(await queue.jobs.stats())).toBe(before);
        }
      }),
      { numRuns: 1500 },
    );
  });

  it('the HTTP endpoint answers every payload with 2xx or 4xx and keeps serving', async () => {
    const bridge = await startTestBridge(testConfig(CONSOLE_CONFIG));
    jest.spyOn(process.stdout, 'write').mockImplementation(() => true);
    try {
      await fc.assert(
        fc.asyncProperty(anyBody, async (body) => {
          const response = await bridge.post('alice', body);
          expect([202, 204, 400, 413]).toContain(response.status);
          await response.arrayBuffer();
        }),
        { numRuns: 300 },
      );
      expect((await fetch(`${bridge.url}/healthz`)).status).toBe(200);
    } finally {
      await bridge.stop(1000);
      jest.restoreAllMocks();
    }
  });
});
