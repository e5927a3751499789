import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBridge, type RunningBridge } from '../../src/app';
import { silentLogger } from '../../src/observe/logger';
import { openSqliteStore } from '../../src/store/sqlite/store';
import { CONSOLE_CONFIG, SECRET, eventually, testConfig } from '../helpers/bridge';
import { fixture } from '../helpers/fixtures';

describe('editing a template while the bridge runs', () => {
  let dir: string;
  let bridge: RunningBridge;
  let printed: string[];

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bridge-templates-'));
    writeFileSync(path.join(dir, 'mention.hbs'), 'first wording: {{actor.name}}');
    printed = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
    const config = testConfig(`templates: ${dir}\n${CONSOLE_CONFIG}`);
    bridge = await startBridge({ config, logger: silentLogger(), store: openSqliteStore({ path: ':memory:' }), worker: { pollMs: 20 }, watchTemplates: true });
  });

  afterEach(async () => {
    await bridge.stop(1000);
    jest.restoreAllMocks();
    rmSync(dir, { recursive: true, force: true });
  });

  const postMention = (eventId: string) =>
    fetch(`${bridge.url}/hooks/alice`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-misskey-hook-secret': SECRET },
      body: JSON.stringify({ ...fixture('mention.local.json').body, eventId }),
    });

  it('changes the next mention, and a broken edit keeps the last good wording', async () => {
    expect((await postMention('10000000-0000-4000-8000-000000000001')).status).toBe(204);
    await eventually(() => expect(printed.join('')).toContain('first wording: Bob'));

    writeFileSync(path.join(dir, 'mention.hbs'), 'second wording: {{actor.name}}');
    await eventually(() => expect(bridge.templates.get().get('mention', 'console')!.text({ actor: { name: 'x' } } as never)).toBe('second wording: x'));
    expect((await postMention('10000000-0000-4000-8000-000000000002')).status).toBe(204);
    await eventually(() => expect(printed.join('')).toContain('second wording: Bob'));

    writeFileSync(path.join(dir, 'mention.hbs'), 'broken {{#if}}');
    await new Promise((resolve) => setTimeout(resolve, 400));
    expect((await postMention('10000000-0000-4000-8000-000000000003')).status).toBe(204);
    await eventually(() => expect(printed.join('').split('second wording: Bob')).toHaveLength(3));
  });
});
