/**
 * The template playground in a real headless Chromium (Debian's `chromium`, driven by
 * playwright-core), beside a running bridge on the same templates folder: edit, preview, save,
 * and the bridge delivers the new wording to the fake Discord. Screenshots of the three previews
 * go to test-output/studio/.
 */
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
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
