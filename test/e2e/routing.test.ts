import { SECRET, eventually, startTestBridge, testConfig, type TestBridge } from '../helpers/bridge';
import { fixture, withEventId } from '../helpers/fixtures';

/** Only the sources, sink and routes vary; everything goes to the console. */
function consoleConfig(routes: string): string {
  return `
sources:
  alice: { secret: "${SECRET}" }
sinks:
  terminal: { type: console }
routes:
${routes}
`;
}

describe('routing through serve', () => {
  let printed: string[];
  const cleanups: (() => Promise<void>)[] = [];

  beforeEach(() => {
    printed = [];
    jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
      printed.push(String(chunk));
      return true;
    });
  });

  afterEach(async () => {
    while (cleanups.length > 0) await cleanups.pop()!();
    jest.restoreAllMocks();
  });

  async function start(routes: string): Promise<TestBridge> {
    const bridge = await startTestBridge(testConfig(consoleConfig(routes)));
    cleanups.push(() => bridge.stop(1000));
    return bridge;
  }

  it.each([
    ['events: ["*"]', '    events: ["*"]'],
    ['events: [mention, "*"]', '    events: [mention, "*"]'],
  ])('delivers every event to a route written %s', async (_form, events) => {
    const bridge = await start(`  - name: all\n${events}\n    to: [terminal]`);
    const follow = fixture('follow.local.json');
    expect((await bridge.post('alice', follow.body, { 'x-misskey-host': follow.host })).status).toBe(204);
    await eventually(() => expect(printed.join('')).toContain('── follow'));
    const note = withEventId(fixture('note.basic.json').body, 'c0ffee00-0000-4000-8000-0000000000a1');
    expect((await bridge.post('alice', note)).status).toBe(204);
    await eventually(() => expect(printed.join('')).toContain('── note'));
  });
});
