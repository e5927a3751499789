/**
 * Messages are worded when they are sent, not when Misskey's webhook is accepted: a template
 * edited while an event waits applies to it, a template that fails at send time dead-letters
 * that delivery naming file:line (and `dlq retry` after the fix sends it once), and the Matrix
 * transaction id stays the same however often the message is worded again.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startBridge, type RunningBridge } from '../../src/app';
import { dlqList, dlqRetry } from '../../src/commands/dlq';
import { parseConfig } from '../../src/config/load';
import { silentLogger } from '../../src/observe/logger';
import { startMatrixFake, type MatrixFake } from '../fakes/matrix-fake';
import { eventually, SECRET } from '../helpers/bridge';
import { fixture } from '../helpers/fixtures';

const ROOM = '!misskey:example.org';

describe('rendering at send time', () => {
  let dir: string;
  let matrix: MatrixFake;
  let bridge: RunningBridge;
  let configFile: string;

  const writeTemplate = (text: string) => writeFileSync(path.join(dir, 'templates', 'mention.hbs'), text);

  async function start(delivery: string): Promise<void> {
    const yaml = `
server: { host: 127.0.0.1, port: 0 }
storage: { driver: sqlite, path: "${path.join(dir, 'bridge.db')}" }
templates: "${path.join(dir, 'templates')}"
delivery: ${delivery}
sources: { alice: { secret: "${SECRET}" } }
sinks:
  ops: { type: matrix, homeserver: "${matrix.url}", accessToken: bot-access-token, room: "${ROOM}" }
routes:
  - { name: mentions, events: [mention], to: [ops] }
`;
    configFile = path.join(dir, 'config.yaml');
    writeFileSync(configFile, yaml);
    bridge = await startBridge({ config: parseConfig(yaml, configFile, {}), logger: silentLogger(), worker: { pollMs: 20 }, watchTemplates: true });
  }

  const postMention = (eventId: string) =>
    fetch(`${bridge.url}/hooks/alice`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-misskey-hook-secret': SECRET },
      body: JSON.stringify({ ...fixture('mention.local.json').body, eventId }),
    });

  const bodies = () => matrix.timeline(ROOM).map((event) => String((event.content as { body?: unknown }).body));
  const sends = () => matrix.requests.filter((r) => r.route === 'send').map((r) => ({ txnId: r.segments[8], status: r.status }));

  beforeEach(async () => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bridge-render-at-send-'));
    mkdirSync(path.join(dir, 'templates'));
    matrix = await startMatrixFake({ rooms: [{ id: ROOM, members: ['@bot:example.org'] }] });
  });

  afterEach(async () => {
    await bridge.stop(1000);
    await matrix.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('words a waiting message with the template as edited meanwhile, under the same transaction id', async () => {
    writeTemplate('first wording: {{actor.name}}');
    // the first send fails; the retry comes 1.5 s later, after the edit
    await start('{ initialBackoff: 1500ms, jitter: 0 }');
    matrix.inject('send', { kind: 'error', status: 502, errcode: 'M_UNKNOWN', error: 'bad gateway' });
    expect((await postMention('20000000-0000-4000-8000-000000000001')).status).toBe(204);
    await eventually(() => expect(sends()).toHaveLength(1));

    writeTemplate('second wording: {{actor.name}}');
    await eventually(() => expect(bridge.templates.get().get('mention', 'matrix')!.plain({ actor: { name: 'x' } } as never)).toBe('second wording: x'));

    await eventually(() => expect(bodies()).toEqual(['second wording: Bob']), 10_000);
    const [first, second] = sends();
    expect(first!.status).toBe(502);
    expect(second).toEqual({ txnId: first!.txnId, status: 200 });
  });

  it('dead-letters a message whose template fails at send time, naming file:line; dlq retry after the fix sends it once', async () => {
    // compiles (every helper is known) but fails when it runs: #each needs something to iterate
    writeTemplate('---\ntitle: "{{actor.name}}"\n---\nmentioned by {{actor.name}}\n{{#each}}x{{/each}}\n');
    await start('{ initialBackoff: 50ms, jitter: 0 }');
    expect((await postMention('20000000-0000-4000-8000-000000000002')).status).toBe(204);

    const [letter] = await eventually(async () => {
      const letters = await bridge.store.deadLetters.list();
      expect(letters).toHaveLength(1);
      return letters;
    });
    const file = path.join(dir, 'templates', 'mention.hbs');
    expect(letter!.error).toBe(`template "mention" failed: ${file}:5: Must pass iterator to #each`);
    expect(await dlqList({ config: configFile })).toContain(`${file}:5: Must pass iterator to #each`);
    expect(sends()).toHaveLength(0);

    writeTemplate('---\ntitle: "{{actor.name}}"\n---\nmentioned by {{actor.name}}\n');
    await eventually(() => expect(bridge.templates.get().get('mention', 'matrix')!.plain({ actor: { name: 'x' } } as never)).toBe('mentioned by x'));
    expect(await dlqRetry([letter!.id], { config: configFile })).toBe('1 dead letter(s) queued again');

    await eventually(() => expect(bodies()).toEqual(['mentioned by Bob']));
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(bodies()).toHaveLength(1);
    expect(await bridge.store.deadLetters.list()).toEqual([]);
  });
});
