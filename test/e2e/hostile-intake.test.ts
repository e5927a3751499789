import { connect, type Socket } from 'node:net';
import { CONSOLE_CONFIG, SECRET, captureStdout, startTestBridge, testConfig, type TestBridge } from '../helpers/bridge';
import { fixture } from '../helpers/fixtures';

/** A raw connection to the bridge, to send requests no HTTP client would (slow, unfinished, idle). */
function rawSocket(port: number): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  return new Promise((resolve, reject) => {
    const opened = Date.now();
    let data = '';
    const socket = connect(port, '127.0.0.1', () => resolve({ socket, received: () => data, closed }));
    const closed = new Promise<number>((done) => socket.on('close', () => done(Date.now() - opened)));
    socket.on('data', (chunk) => (data += chunk.toString()));
    socket.on('error', reject);
  });
}

const headersOf = (source: string, secret: string, contentLength: number) =>
  [
    `POST /hooks/${source} HTTP/1.1`,
    'Host: 127.0.0.1',
    'Content-Type: application/json',
    `Content-Length: ${contentLength}`,
    `X-Misskey-Hook-Secret: ${secret}`,
    '',
    '',
  ].join('\r\n');

const within = <T>(promise: Promise<T>, ms: number, what: string): Promise<T> =>
  Promise.race([promise, new Promise<never>((_resolve, reject) => setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms))]);

describe('intake under hostile requests', () => {
  captureStdout();
  let bridge: TestBridge;

  afterEach(async () => {
    await bridge.stop(1000);
  });

  it('keeps /metrics small when thousands of random hook names are posted', async () => {
    bridge = await startTestBridge(testConfig(CONSOLE_CONFIG));
    const names = Array.from({ length: 20_000 }, (_, n) => `x${n.toString(36)}${Math.random().toString(36).slice(2, 10)}`);
    let next = 0;
    const post = async () => {
      while (next < names.length) {
        const response = await fetch(`${bridge.url}/hooks/${names[next++]!}`, { method: 'POST', headers: { 'x-misskey-hook-secret': 'x' }, body: '{}' });
        expect(response.status).toBe(404);
        await response.arrayBuffer();
      }
    };
    await Promise.all(Array.from({ length: 16 }, post));
    const metrics = await (await fetch(`${bridge.url}/metrics`)).text();
    expect(Buffer.byteLength(metrics)).toBeLessThan(100 * 1024);
    expect(metrics).toMatch(/misskey_bridge_events_received_total\{source="unknown",type="-",outcome="unknown-source"\} 20000/);
  }, 120_000);

  it.each([
    ['an unknown source', 'mallory', SECRET, 404],
    ['a wrong secret', 'alice', 'not-the-secret', 401],
  ])('answers %s from the headers, without waiting for the body', async (_what, source, secret, status) => {
    bridge = await startTestBridge(testConfig(CONSOLE_CONFIG));
    const { socket, received, closed } = await rawSocket(bridge.port);
    // announces a body of 900 kB and sends none of it
    socket.write(headersOf(source, secret, 900_000));
    await within(closed, 2000, 'the connection closed');
    expect(received()).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
  });

  it('cuts a body that trickles in after the body timeout', async () => {
    bridge = await startTestBridge(testConfig(`${CONSOLE_CONFIG}\nserver: { bodyTimeout: 1s, headersTimeout: 1s }\n`));
    const { socket, closed } = await rawSocket(bridge.port);
    const body = JSON.stringify(fixture('note.basic.json').body);
    socket.write(headersOf('alice', SECRET, Buffer.byteLength(body)));
    let sent = 0;
    const trickle = setInterval(() => {
      if (!socket.destroyed && sent < body.length - 1) socket.write(body[sent++]!);
    }, 100);
    try {
      const after = await within(closed, 5000, 'the slow body was cut');
      expect(after).toBeGreaterThanOrEqual(900);
    } finally {
      clearInterval(trickle);
    }
  });

  it('closes a connection that sends no request within the headers timeout', async () => {
    bridge = await startTestBridge(testConfig(`${CONSOLE_CONFIG}\nserver: { headersTimeout: 1s }\n`));
    const { closed } = await rawSocket(bridge.port);
    expect(await within(closed, 5000, 'the idle connection closed')).toBeGreaterThanOrEqual(900);
  });

  it('refuses connections past the connection cap and serves again once they close', async () => {
    bridge = await startTestBridge(testConfig(`${CONSOLE_CONFIG}\nserver: { maxConnections: 4 }\n`));
    const idle = await Promise.all(Array.from({ length: 4 }, () => rawSocket(bridge.port)));
    const extra = await rawSocket(bridge.port);
    await within(extra.closed, 2000, 'the connection past the cap closed');
    expect(extra.received()).toBe('');
    idle.forEach(({ socket }) => socket.destroy());
    await Promise.all(idle.map(({ closed }) => closed));
    expect((await fetch(`${bridge.url}/healthz`)).status).toBe(200);
  });
});
