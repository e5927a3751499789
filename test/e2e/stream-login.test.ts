import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { loginCommand } from '../../src/commands/login';
import { startMisskeyStreamFake, type MisskeyStreamFake } from '../fakes/misskey-stream-fake';
import { eventually } from '../helpers/bridge';

describe('misskey-bridge login (MiAuth against the fake Misskey)', () => {
  let fake: MisskeyStreamFake;
  let dir: string;

  beforeEach(async () => {
    fake = await startMisskeyStreamFake();
    dir = mkdtempSync(path.join(os.tmpdir(), 'bridge-login-'));
  });

  afterEach(async () => {
    await fake.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const login = (options: { config?: string; chat?: boolean }) => {
    const printed: string[] = [];
    const done = loginCommand(fake.url, { ...options, pollMs: 20, timeoutMs: 10_000, print: (line) => printed.push(line) });
    return { printed, done };
  };
  const sessionOf = (printed: string[]) => new URL(/https?:\/\/\S+/.exec(printed.join('\n'))![0]);

  it('prints the page with the least permissions, waits for the approval and prints the token', async () => {
    const { printed, done } = login({ config: undefined });
    const page = await eventually(() => sessionOf(printed));
    expect(page.origin).toBe(fake.url);
    expect(page.searchParams.get('permission')).toBe('read:account,read:notifications');
    expect(page.searchParams.get('name')).toBe('misskey-bridge');
    // not approved yet: it keeps asking
    await eventually(() => expect(fake.calls().filter((call) => call.path.startsWith('miauth/')).length).toBeGreaterThan(2));
    fake.approveMiAuth(page.pathname.split('/').pop()!, 'the-new-token');
    expect(await done).toContain('export MISSKEY_STREAM_TOKEN=the-new-token');
  });

  it('asks for read:chat when a configured stream source on that server reads chat', async () => {
    const config = path.join(dir, 'config.yaml');
    writeFileSync(config, `sources:\n  alice: { stream: { server: "${fake.url}", token: "\${ALICE_TOKEN}", chat: true } }\nsinks: { terminal: { type: console } }\nroutes: []\n`);
    const { printed, done } = login({ config });
    const page = await eventually(() => sessionOf(printed));
    expect(page.searchParams.get('permission')).toBe('read:account,read:notifications,read:chat');
    fake.approveMiAuth(page.pathname.split('/').pop()!, 'chat-token');
    expect(await done).toContain('chat-token');
  });

  it('refuses a server over plain http that is not this machine', async () => {
    await expect(loginCommand('http://misskey.example', { print: () => undefined })).rejects.toThrow(/https/);
  });
});
