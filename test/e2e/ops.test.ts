/**
 * The operations page in a real headless Chromium (Debian's `chromium`, driven by playwright-core)
 * inside a running bridge, against the fake Discord: one sink's channel refuses the bot (403
 * 50013), one webhook works. The page shows the failure, pauses and resumes a sink, replays and
 * discards dead letters, finds every attempt of a retried event, and refuses requests without its
 * token or from another origin. Screenshots of each view go to a temporary folder.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { silentLogger } from '../../src/observe/logger';
import type { Store } from '../../src/store/store';
import { destroyRedisStore, openRedisStore } from '../../src/store/redis/store';
import { openSqliteStore } from '../../src/store/sqlite/store';
import { startDiscordFake, type DiscordFake, type FakeChannel, type FakeWebhook } from '../fakes/discord-fake';
import { eventually, SECRET, startTestBridge, testConfig, type TestBridge } from '../helpers/bridge';
import { mentionNumber } from '../helpers/e2e';
import { describeRedis, newPrefix, REDIS_URL } from '../helpers/redis';

const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
/** longer than several of the workers' polls: a paused sink would have sent by then */
const QUIET_MS = 1500;
const describeWithChromium = existsSync(CHROMIUM) || process.env.CI === 'true' ? describe : describe.skip;

/** a mention routed to one sink: its text names the sink, and a marker to find it at the fake */
function mentionFor(sink: 'good' | 'denied', n: number) {
  const mention = mentionNumber(n);
  (mention.body.body as { note: { text: string } }).note.text = `@alice to-${sink} ${mention.marker}`;
  return mention;
}

interface TestStore {
  queue: Store;
  cleanup(): Promise<void>;
}

/** The whole suite, on one store. */
function opsPageSuite(storeName: string, openStore: () => Promise<TestStore>): void {
  describe(`operations page in a browser, inside the running bridge (${storeName})`, () => {
    let store: TestStore;
    let fake: DiscordFake;
    let hook: FakeWebhook;
    let refusing: FakeChannel;
    let bridge: TestBridge;
    let browser: Browser;
    let page: Page;
    let origin: string;
    let screenshots: string;

    const shownAtFake = (marker: string) => fake.messages.filter((message) => JSON.stringify(message.body).includes(marker)).length;
    const view = async (label: string) => {
      await page.getByRole('tab', { name: label }).click();
      await page.locator('[role="tabpanel"]:not([hidden])').waitFor();
    };
    const sinkRow = (name: string) => page.locator(`#sinks tr[data-sink="${name}"]`);

    beforeAll(async () => {
      fake = await startDiscordFake();
      hook = fake.addWebhook();
      const bot = fake.addBot();
      refusing = fake.addChannel({ access: 'view-only' });
      const yaml = `
  ops: { enabled: true, host: 127.0.0.1, port: 0 }
  delivery: { initialBackoff: 300ms, maxBackoff: 300ms, jitter: 0 }
  sources:
    alice: { secret: "${SECRET}" }
  sinks:
    good: { type: discord, webhookUrl: "${hook.url}", batch: off }
    denied: { type: discord, botToken: "${bot.token}", channelId: "${refusing.id}", apiBase: "${fake.url}", batch: off }
  routes:
    - { name: to-good, events: [mention], filter: { text: "to-good" }, to: [good] }
    - { name: to-denied, events: [mention], filter: { text: "to-denied" }, to: [denied] }
  `;
      store = await openStore();
      bridge = await startTestBridge(testConfig(yaml), { store: store.queue, logger: silentLogger() });
      origin = new URL(bridge.ops!.url).origin;
      screenshots = mkdtempSync(path.join(os.tmpdir(), `ops-screenshots-${storeName}-`));
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
      });
      page = await browser.newPage({ viewport: { width: 1400, height: 640 } });
      await page.goto(bridge.ops!.url);
      await page.locator('#live', { hasText: 'live' }).waitFor();
    }, 60_000);

    afterAll(async () => {
      await browser?.close();
      // the bridge closes the store
      await bridge?.stop(1000);
      await store?.cleanup();
      await fake?.close();
    });

    it('shows the sink Discord refuses as failing, with the reason, within 2 s', async () => {
      const first = mentionFor('denied', 1);
      const second = mentionFor('denied', 2);
      expect((await bridge.post('alice', first.body)).status).toBe(204);
      await sinkRow('denied').locator('.badge-failing').waitFor({ timeout: 2000 });
      await sinkRow('denied').locator('.last-error', { hasText: '50013 Missing Permissions' }).waitFor({ timeout: 2000 });
      expect(await sinkRow('denied').locator('.last-error').textContent()).toContain('The bot lacks permissions');
      expect(await sinkRow('good').locator('.badge').textContent()).toBe('running');
      // a second one meets the same refusal once the sink's recheck lets it through
      expect((await bridge.post('alice', second.body)).status).toBe(204);
      await eventually(async () => expect((await bridge.store.deadLetters.list('denied')).map((letter) => letter.eventId).sort()).toEqual([first.body.eventId, second.body.eventId].sort()), 10_000);
      await sinkRow('denied').locator('td', { hasText: '2 dead' }).waitFor();
      await page.screenshot({ path: path.join(screenshots, 'overview.png'), fullPage: true });
      expect(fake.messages).toEqual([]);
    }, 30_000);

    it('pausing from the page stops sends at the fake; resuming sends the waiting ones', async () => {
      await sinkRow('good').getByRole('button', { name: 'Pause good' }).click();
      await sinkRow('good').locator('.badge-paused').waitFor();
      await page.locator('#result', { hasText: 'sink "good" paused' }).waitFor();
      const mentions = [3, 4, 5].map((n) => mentionFor('good', n));
      for (const mention of mentions) expect((await bridge.post('alice', mention.body)).status).toBe(204);
      await sinkRow('good').locator('td', { hasText: /^3$/ }).waitFor();
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
      expect(mentions.map((mention) => shownAtFake(mention.marker))).toEqual([0, 0, 0]);
      expect(await bridge.store.pauses.list()).toEqual([expect.objectContaining({ sink: 'good', by: expect.stringContaining('ops page') })]);

      // keyboard: the focused Resume button, pressed with Enter
      await sinkRow('good').getByRole('button', { name: 'Resume good' }).focus();
      await page.keyboard.press('Enter');
      await page.locator('#result', { hasText: 'sink "good" resumed: 3 waiting' }).waitFor();
      await eventually(() => expect(mentions.map((mention) => shownAtFake(mention.marker))).toEqual([1, 1, 1]), 10_000);
      await sinkRow('good').locator('.badge-running').waitFor();

      await view('Audit');
      await page.locator('#audit tbody tr', { hasText: 'sink-pause' }).waitFor();
      await page.locator('#audit tbody tr', { hasText: 'sink-resume' }).waitFor();
      await page.screenshot({ path: path.join(screenshots, 'audit.png'), fullPage: true });
      const actions = (await bridge.store.audit.list(10)).map((entry) => (entry as unknown as { action: string }).action);
      expect(actions).toEqual(['sink-resume', 'sink-pause']);
      await view('Overview');
    }, 30_000);

    it('replays one dead letter from the page, delivered once, and discards the other', async () => {
      const letters = await bridge.store.deadLetters.list('denied');
      expect(letters).toHaveLength(2);
      const [replayed, discarded] = letters;
      const marker = (eventId: string) => mentionFor('denied', eventId.endsWith('1') ? 1 : 2).marker;
      fake.setAccess(refusing.id, 'full');
      await view('Dead letters');
      const row = (id: string) => page.locator(`#dead tr[data-letter="${id}"]`);
      await row(replayed!.id).locator('.preview', { hasText: marker(replayed!.eventId) }).waitFor();
      await row(replayed!.id).locator('.reason', { hasText: '50013' }).waitFor();
      await page.screenshot({ path: path.join(screenshots, 'dead-letters.png'), fullPage: true });

      await row(replayed!.id).getByRole('button', { name: `Replay ${replayed!.id}` }).click();
      await page.locator('#result', { hasText: '1 dead letter(s) queued again' }).waitFor();
      await eventually(() => expect(shownAtFake(marker(replayed!.eventId))).toBe(1), 10_000);

      await row(discarded!.id).getByRole('checkbox').check();
      await page.getByRole('button', { name: 'Discard selected' }).click();
      await page.locator('#result', { hasText: '1 dead letter(s) dropped' }).waitFor();
      await page.locator('#dead-count', { hasText: '(0)' }).waitFor();
      await new Promise((resolve) => setTimeout(resolve, QUIET_MS));
      expect(shownAtFake(marker(replayed!.eventId))).toBe(1);
      expect(shownAtFake(marker(discarded!.eventId))).toBe(0);
      expect(await bridge.store.deadLetters.list()).toEqual([]);
      const audit = (await bridge.store.audit.list(2)) as unknown as { action: string; ids: string[] }[];
      expect(audit.map(({ action, ids }) => [action, ids])).toEqual([
        ['dlq-discard', [discarded!.id]],
        ['dlq-replay', [replayed!.id]],
      ]);
    }, 30_000);

    it('finds every attempt of a retried event, by eventId, note id and user', async () => {
      fake.inject({ kind: 'status', status: 502, route: 'webhook-execute', times: 2 });
      const mention = mentionFor('good', 6);
      expect((await bridge.post('alice', mention.body)).status).toBe(204);
      await eventually(() => expect(shownAtFake(mention.marker)).toBe(1), 10_000);

      await view('Find an event');
      for (const query of [String(mention.body.eventId), mention.noteId, '@bob']) {
        await page.getByLabel('eventId, note id or user').fill(query);
        await page.getByLabel('eventId, note id or user').press('Enter');
        const found = page.locator('#found .delivery', { hasText: String(mention.body.eventId) });
        await found.locator('h3', { hasText: 'good' }).waitFor();
        await found.locator('h3', { hasText: 'delivered' }).waitFor();
        await found.locator('.message').waitFor();
        const attempts = await found.locator('.attempts li').allTextContents();
        expect(attempts).toHaveLength(3);
        expect(attempts[0]).toMatch(/retry: .*502/);
        expect(attempts[1]).toMatch(/retry: .*502/);
        expect(attempts[2]).toMatch(/delivered$/);
      }
      await page.screenshot({ path: path.join(screenshots, 'find.png'), fullPage: true });
    }, 30_000);

    it('lists the instance and its heartbeat; the views are reached with the arrow keys', async () => {
      await view('Overview');
      await page.getByRole('tab', { name: 'Overview' }).focus();
      await page.keyboard.press('ArrowLeft');
      await page.locator('#view-instances:not([hidden])').waitFor();
      expect(await page.locator('#tab-instances:focus').count()).toBe(1);
      await page.locator('#instances tbody tr', { hasText: 'live' }).waitFor({ timeout: 10_000 });
      expect(await page.locator('#instances tbody tr').first().textContent()).toContain(os.hostname());
      await page.screenshot({ path: path.join(screenshots, 'instances.png'), fullPage: true });
      // the overview after the sends above: the sparklines have something to show
      await view('Overview');
      await sinkRow('good').locator('.badge-running').waitFor();
      await page.screenshot({ path: path.join(screenshots, 'overview-after-sends.png'), fullPage: true });
    }, 30_000);

    it('refuses a request without the token, or from another origin', async () => {
      const pause = `${origin}/api/sinks/good/pause`;
      for (const route of ['/', '/api/state', '/api/stream', '/api/find?q=x', '/static/ops.js']) {
        expect([route, (await fetch(`${origin}${route}`)).status]).toEqual([route, 401]);
      }
      expect((await fetch(pause, { method: 'POST', headers: { origin } })).status).toBe(401);
      const withToken = { 'x-ops-token': bridge.ops!.token };
      expect((await fetch(`${origin}/api/state`, { headers: { ...withToken, origin: 'https://evil.example' } })).status).toBe(403);
      // the page's own session, its CSRF token, but another origin: refused
      const cookies = await page.context().cookies(origin);
      const session = `${cookies[0]!.name}=${cookies[0]!.value}`;
      const csrf = await page.locator('meta[name="csrf-token"]').getAttribute('content');
      const post = (headers: Record<string, string>) => fetch(pause, { method: 'POST', headers: { 'content-type': 'application/json', cookie: session, ...headers }, body: '{}' });
      expect((await post({ origin: 'https://evil.example', 'x-csrf-token': csrf! })).status).toBe(403);
      expect((await post({ origin, 'x-csrf-token': 'forged' })).status).toBe(403);
      expect((await post({ origin })).status).toBe(403);
      expect((await post({ 'x-csrf-token': csrf! })).status).toBe(403);
      // from inside the page without the CSRF token: refused too
      const status = await page.evaluate(async (url) => (await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' })).status, pause);
      expect(status).toBe(403);
      expect(await bridge.store.pauses.list()).toEqual([]);
      // the same request with all three is taken (and undone)
      expect((await post({ origin, 'x-csrf-token': csrf! })).status).toBe(200);
      expect(await bridge.store.pauses.list()).toEqual([expect.objectContaining({ sink: 'good' })]);
      const resume = await fetch(`${origin}/api/sinks/good/resume`, { method: 'POST', headers: { cookie: session, origin, 'x-csrf-token': csrf! } });
      expect(resume.status).toBe(200);
      expect(await bridge.store.pauses.list()).toEqual([]);
    }, 30_000);
  });
}

describeWithChromium('operations page', () => {
  opsPageSuite('sqlite', async () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'ops-store-'));
    return { queue: openSqliteStore({ path: path.join(dir, 'bridge.db') }), cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
  });
  describeRedis('on Redis', () => {
    opsPageSuite('redis', async () => {
      const prefix = newPrefix();
      return { queue: await openRedisStore({ url: REDIS_URL, prefix }), cleanup: () => destroyRedisStore(REDIS_URL, prefix) };
    });
  });
});
