/**
 * The template playground in a real headless Chromium (Debian's `chromium`, driven by
 * playwright-core), beside a running bridge on the same templates folder: edit, preview, save,
 * and the bridge delivers the new wording to the fake Discord. Screenshots of the three previews
 * go to test-output/studio/.
 */
import { spawn } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { startBridge, type RunningBridge } from '../../src/app';
import { silentLogger } from '../../src/observe/logger';
import { openSqliteStore } from '../../src/store/sqlite/store';
import { startDiscordFake, type DiscordFake, type FakeWebhook } from '../fakes/discord-fake';
import { eventually, SECRET, testConfig } from '../helpers/bridge';
import { nextItem } from '../helpers/e2e';
import { fixture, withEventId } from '../helpers/fixtures';

/** A raw request, Host header included (fetch does not let a caller choose it). */
function rawRequest(url: string, options: { method?: string; headers?: Record<string, string>; body?: string } = {}) {
  return new Promise<{ status: number; headers: Record<string, string | string[] | undefined> }>((resolve, reject) => {
    const request = httpRequest(url, { method: options.method ?? 'GET', headers: options.headers }, (response) => {
      response.resume();
      response.on('end', () => resolve({ status: response.statusCode ?? 0, headers: response.headers }));
    });
    request.on('error', reject);
    request.end(options.body);
  });
}

/** A local image server that counts the requests it gets: the hostile address a payload names. */
async function countingImageServer(): Promise<{ url: string; hits: () => number; close: () => Promise<void> }> {
  let hits = 0;
  const server: Server = createServer((_request, response) => {
    hits++;
    response.writeHead(200, { 'content-type': 'image/gif' }).end(Buffer.from('R0lGODlhAQABAAAAACw=', 'base64'));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return { url: `http://127.0.0.1:${port}`, hits: () => hits, close: () => new Promise((resolve) => server.close(() => resolve())) };
}

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const SCREENSHOTS = path.resolve(__dirname, '../../test-output/studio');
const SLACK_TOKEN = 'xoxb-1111-2222-studiosecretslacktoken';
const MATRIX_TOKEN = 'syt_studio_secret_matrix_access_token';

const describeWithChromium = existsSync(CHROMIUM) || process.env.CI === 'true' ? describe : describe.skip;

describeWithChromium('template studio in a browser, beside the running bridge', () => {
  let fake: DiscordFake;
  let hook: FakeWebhook;
  let bridge: RunningBridge;
  let browser: Browser;
  let folder: string;
  let base: string;
  let token: string;
  /** every response body the studio sent, to search for secrets */
  const seen: string[] = [];
  let secrets: string[];

  beforeAll(async () => {
    fake = await startDiscordFake();
    hook = fake.addWebhook();
    folder = mkdtempSync(path.join(os.tmpdir(), 'studio-templates-'));
    const yaml = `
templates: ${JSON.stringify(folder)}
studio: { enabled: true, host: 127.0.0.1, port: 0 }
sources:
  alice: { secret: "${SECRET}" }
sinks:
  discord: { type: discord, webhookUrl: "${hook.url}" }
  slack: { type: slack, token: "${SLACK_TOKEN}", channel: "#ops", apiUrl: "http://127.0.0.1:9/api/" }
  matrix: { type: matrix, homeserver: "http://127.0.0.1:9", accessToken: "${MATRIX_TOKEN}", room: "!ops:matrix.example" }
routes:
  - name: mentions
    events: [mention]
    to: [discord]
`;
    bridge = await startBridge({ config: testConfig(yaml), logger: silentLogger(), store: openSqliteStore({ path: ':memory:' }), worker: { pollMs: 20 } });
    const url = new URL(bridge.studio!.url);
    base = url.origin;
    token = bridge.studio!.token;
    secrets = [SECRET, SLACK_TOKEN, MATRIX_TOKEN, hook.url.split('/').pop()!];
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
      // launch() gives every run a fresh temporary profile (its own --user-data-dir)
    });
    mkdirSync(SCREENSHOTS, { recursive: true });
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    await bridge?.stop(1000);
    await fake?.close();
    rmSync(folder, { recursive: true, force: true });
  });

  const api = async (route: string, init: RequestInit = {}, withToken = true) => {
    const headers = { 'content-type': 'application/json', ...(withToken ? { 'x-studio-token': token } : {}) };
    const response = await fetch(`${base}${route}`, { ...init, headers: { ...headers, ...init.headers } });
    const text = await response.text();
    seen.push(text);
    return { status: response.status, text };
  };

  async function openPage(): Promise<Page> {
    const page = await browser.newPage({ viewport: { width: 1500, height: 1100 } });
    page.on('response', (response) => {
      void response.text().then((text) => seen.push(text), () => undefined);
    });
    await page.goto(bridge.studio!.url);
    return page;
  }

  /** puts the cursor at the end of the editor's text and types */
  async function typeAtEnd(page: Page, text: string): Promise<void> {
    await page.click('.cm-content');
    await page.keyboard.press('Control+End');
    await page.keyboard.type(text);
  }

  it('answers 401 without the token: page, API and assets', async () => {
    for (const route of ['/', '/api/templates', '/api/template?path=mention.hbs', '/static/studio.js', '/static/looks.js', '/npm/codemirror/dist/index.js']) {
      expect([route, (await api(route, {}, false)).status]).toEqual([route, 401]);
      expect([route, (await api(route, { headers: { 'x-studio-token': `${token}x` } }, false)).status]).toEqual([route, 401]);
    }
    expect((await api('/api/preview', { method: 'POST', body: '{}' }, false)).status).toBe(401);
    expect((await api('/api/template', { method: 'PUT', body: JSON.stringify({ path: 'note.hbs', text: 'x' }) }, false)).status).toBe(401);
    expect(existsSync(path.join(folder, 'note.hbs'))).toBe(false);
  });

  it('takes the token out of the address bar into a port-scoped HttpOnly SameSite=Strict cookie', async () => {
    const page = await openPage();
    expect(page.url()).toBe(`${base}/`);
    const cookies = await page.context().cookies(base);
    expect(cookies.map((c) => ({ name: c.name, httpOnly: c.httpOnly, sameSite: c.sameSite }))).toEqual([
      { name: `studio_${bridge.studio!.port}`, httpOnly: true, sameSite: 'Strict' },
    ]);
    // the page works on the cookie alone, under its Content-Security-Policy
    const violations: string[] = [];
    page.on('console', (message) => {
      if (/Content.Security.Policy/i.test(message.text())) violations.push(message.text());
    });
    await page.reload();
    await page.click('button.file[data-path="mention.hbs"]');
    await page.locator('#preview-discord .embed').waitFor();
    expect(violations).toEqual([]);
    // the studio's cookie for another port's studio is no key here
    const other = await rawRequest(`${base}/api/templates`, { headers: { cookie: `studio_${bridge.studio!.port + 1}=${token}` } });
    expect(other.status).toBe(401);
    await page.close();
  }, 60_000);

  it('sends a strict Content-Security-Policy with every answer', async () => {
    for (const route of ['/', '/static/studio.js', '/api/templates']) {
      const { headers } = await rawRequest(`${base}${route}`, { headers: { 'x-studio-token': token } });
      const csp = String(headers['content-security-policy']);
      expect([route, csp]).toEqual([route, expect.stringContaining("default-src 'none'")]);
      expect(csp).toMatch(/script-src 'self' 'sha256-[A-Za-z0-9+/=]+'(;|$)/);
      expect(csp).toContain("frame-ancestors 'none'");
      expect(csp).not.toMatch(/script-src[^;]*unsafe-inline/);
    }
  });

  it('answers only its own host names (DNS rebinding) and state changes only from its own origin', async () => {
    const port = bridge.studio!.port;
    const withToken = { 'x-studio-token': token };
    for (const host of [`evil.example:${port}`, `localhost.evil.example:${port}`, `127.0.0.1:${port + 1}`, '127.0.0.1']) {
      expect([host, (await rawRequest(`${base}/`, { headers: { ...withToken, host } })).status]).toEqual([host, 421]);
    }
    for (const host of [`127.0.0.1:${port}`, `localhost:${port}`]) {
      expect([host, (await rawRequest(`${base}/api/templates`, { headers: { ...withToken, host } })).status]).toEqual([host, 200]);
    }
    const cookie = `studio_${port}=${token}`;
    const save = (headers: Record<string, string>) =>
      rawRequest(`${base}/api/template`, { method: 'PUT', headers: { 'content-type': 'application/json', ...headers }, body: JSON.stringify({ path: 'renote.hbs', text: 'owned' }) });
    expect((await save({ cookie, origin: 'http://evil.example' })).status).toBe(403);
    expect((await save({ cookie, origin: `http://127.0.0.1:${port + 1}` })).status).toBe(403);
    expect((await save({ cookie })).status).toBe(403);
    expect(existsSync(path.join(folder, 'renote.hbs'))).toBe(false);
    expect((await save({ cookie, origin: base })).status).toBe(200);
    rmSync(path.join(folder, 'renote.hbs'), { force: true });
  });

  it('shows preview images as placeholders: nothing is fetched from the address the event names until a click', async () => {
    const images = await countingImageServer();
    try {
      const body = structuredClone(fixture('note.files.json').body) as { body: { note: { user: Record<string, unknown>; files: Record<string, unknown>[] } } };
      const note = body.body.note;
      note.user.avatarUrl = `${images.url}/avatar.gif`;
      note.files = note.files.map((file, i) => ({ ...file, isSensitive: false, type: 'image/gif', url: `${images.url}/file${i}.gif`, thumbnailUrl: `${images.url}/thumb${i}.gif` }));
      const page = await openPage();
      await page.click('button.file[data-path="note.hbs"]');
      await page.selectOption('#payload', 'json');
      await page.fill('#json', JSON.stringify(body));
      const held = page.locator('#preview-discord button.held-image').first();
      await held.waitFor();
      await page.locator('#preview-slack button.held-image').first().waitFor();
      await page.waitForLoadState('networkidle');
      expect(images.hits()).toBe(0);
      await held.click();
      await eventually(() => expect(images.hits()).toBe(1));
      await page.close();
    } finally {
      await images.close();
    }
  }, 60_000);

  it('refuses paths outside the templates folder', async () => {
    for (const bad of ['../evil.hbs', 'discord/../../evil.hbs', '/etc/passwd', '..%2Fevil.hbs', 'discord/../evil.hbs', 'evil.txt', '.hbs']) {
      const read = await api(`/api/template?path=${encodeURIComponent(bad)}`);
      expect([bad, read.status]).toEqual([bad, 400]);
      const write = await api('/api/template', { method: 'PUT', body: JSON.stringify({ path: bad, text: 'owned' }) });
      expect([bad, write.status]).toEqual([bad, 400]);
    }
    expect(existsSync(path.join(folder, '..', 'evil.hbs'))).toBe(false);
    expect((await api('/npm/codemirror/../../package.json')).status).toBe(404);
    expect((await api('/npm/not-an-editor-package/index.js')).status).toBe(404);
  });

  it('previews as you type, saves, and the running bridge delivers the new wording', async () => {
    const page = await openPage();
    await page.click('button.file[data-path="mention.hbs"]');
    await page.selectOption('#payload', 'sample:mention');
    await expect(page.locator('#preview-discord .embed').waitFor()).resolves.toBeUndefined();

    await typeAtEnd(page, '\nStudio wording {{actor.name}} {{note.cw}}');
    await page.locator('#preview-discord', { hasText: 'Studio wording nora' }).waitFor();
    await page.locator('#preview-slack', { hasText: 'Studio wording nora' }).waitFor();
    await page.locator('#preview-matrix', { hasText: 'Studio wording nora' }).waitFor();
    await page.locator('#warnings', { hasText: '{{note.cw}} is empty for this event' }).waitFor();
    for (const platform of ['discord', 'slack', 'matrix']) {
      await page.locator(`#preview-${platform}`).screenshot({ path: path.join(SCREENSHOTS, `${platform}.png`) });
    }
    await page.screenshot({ path: path.join(SCREENSHOTS, 'page.png'), fullPage: true });

    await page.click('#save');
    await page.locator('#status', { hasText: 'saved mention.hbs' }).waitFor();
    const saved = path.join(folder, 'mention.hbs');
    expect(readFileSync(saved, 'utf8')).toContain('Studio wording {{actor.name}}');

    // the bridge's own watcher reloads the folder; then a mention arrives and is worded anew
    await eventually(() => expect(bridge.templates.get().get('mention', 'discord')?.file).toBe(saved), 5000);
    const before = fake.messages.length;
    const response = await fetch(`${bridge.url}/hooks/alice`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-misskey-hook-secret': SECRET, 'x-misskey-host': 'misskey.example' },
      body: JSON.stringify(withEventId(fixture('mention.local.json').body, 'studio-e1')),
    });
    expect(response.status).toBe(204);
    const message = await nextItem(() => fake.messages, before, 10_000);
    expect(JSON.stringify(message.embeds)).toContain('Studio wording');

    // a second save keeps the first as .bak
    await typeAtEnd(page, ' again');
    await page.click('#save');
    await page.locator('#status', { hasText: 'saved mention.hbs' }).waitFor();
    await eventually(() => expect(readFileSync(saved, 'utf8')).toContain('again'));
    expect(readFileSync(`${saved}.bak`, 'utf8')).not.toContain('again');
    await page.close();
  }, 60_000);

  it('shows the line of a template that does not compile, and does not save it', async () => {
    const page = await openPage();
    await page.fill('#new-file input', 'discord/follow.hbs');
    await page.click('#new-file button');
    await page.locator('#current-path', { hasText: 'discord/follow.hbs' }).waitFor();
    await typeAtEnd(page, '\nline two\n{{#if user.name}\n');
    await page.locator('#compile-error', { hasText: /^line \d+: / }).waitFor();
    const error = await page.locator('#compile-error').textContent();
    expect(error).toMatch(/^line (\d+): /);
    const file = path.join(folder, 'discord', 'follow.hbs');
    const before = existsSync(file) ? readFileSync(file, 'utf8') : null;
    await page.click('#save');
    await page.locator('#status', { hasText: 'not saved' }).waitFor();
    expect(existsSync(file) ? readFileSync(file, 'utf8') : null).toBe(before);
    await page.close();
  }, 60_000);

  it('never shows a sink secret or the hook secret', async () => {
    const page = await openPage();
    await page.click('button.file[data-path="mention.hbs"]');
    await page.locator('#preview-matrix .formatted').waitFor();
    seen.push(await page.content());
    await page.close();
    seen.push((await api('/api/preview', { method: 'POST', body: JSON.stringify({ path: 'note.hbs', text: '{{event.type}}', payload: { kind: 'sample', name: 'note' } }) })).text);
    expect(seen.length).toBeGreaterThan(10);
    for (const secret of secrets) expect(seen.filter((text) => text.includes(secret))).toEqual([]);
  }, 60_000);
});

describe('the studio command with its output not a terminal (a service, container logs)', () => {
  it('prints the address without the token, which goes to a file only its owner reads', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'studio-cli-'));
    const config = path.join(dir, 'config.yaml');
    writeFileSync(
      config,
      `storage: { driver: sqlite, path: ${JSON.stringify(path.join(dir, 'data', 'bridge.db'))} }\nsources: { alice: { secret: "${SECRET}" } }\nsinks: { t: { type: console } }\nroutes: []\n`,
    );
    const root = path.resolve(__dirname, '../..');
    const child = spawn(process.execPath, ['-r', path.join(root, 'test/helpers/register-ts.js'), path.join(root, 'src/cli.ts'), 'studio', '-c', config, '--port', '0'], {
      cwd: root,
      env: { ...process.env, LOG_LEVEL: 'silent' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      let output = '';
      child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
      await eventually(() => expect(output).toContain('\n'), 20_000);
      const tokenFile = path.join(dir, 'data', 'studio-token');
      const studioToken = readFileSync(tokenFile, 'utf8').trim();
      expect(studioToken.length).toBeGreaterThanOrEqual(32);
      expect(output).not.toContain(studioToken);
      expect(output).toContain(tokenFile);
      expect(statSync(tokenFile).mode & 0o777).toBe(0o600);
      const origin = /(http:\/\/127\.0\.0\.1:\d+)\//.exec(output)![1]!;
      expect((await fetch(`${origin}/`)).status).toBe(401);
      const opened = await fetch(`${origin}/?token=${studioToken}`, { redirect: 'manual' });
      expect([opened.status, opened.headers.get('location')]).toEqual([303, '/']);
      const cookie = opened.headers.get('set-cookie')!.split(';')[0]!;
      expect((await fetch(`${origin}/`, { headers: { cookie } })).status).toBe(200);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
      rmSync(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
