import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { checkCommand } from '../../src/commands/check';
import { auditList } from '../../src/commands/audit';
import { dlqDrop, dlqList, dlqRetry } from '../../src/commands/dlq';
import { jobsDrop, jobsList } from '../../src/commands/jobs';
import { openSqliteStore } from '../../src/store/sqlite/store';
import { renderCommand, routeTestCommand } from '../../src/commands/inspect';
import { noteEvent } from '../helpers/events';
import { FIXTURES, allFixtures } from '../helpers/fixtures';

const ROOT = path.resolve(__dirname, '../..');

function cli(...args: string[]) {
  return spawnSync(process.execPath, ['-r', path.join(ROOT, 'test/helpers/register-ts.js'), path.join(ROOT, 'src/cli.ts'), ...args], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, LOG_LEVEL: 'silent' },
  });
}

/** Every fixture as a file, the way an operator passes one: synthetic bodies and recorded requests. */
const fixtureFiles = allFixtures().map((f) => [f.name, path.join(FIXTURES, f.name)] as const);

/** a job of sink t (console) for event e<n>, as ingest would plan it */
const job = (n: number) => ({
  id: `alice:e${n}:r:t`,
  source: 'alice',
  eventId: `e${n}`,
  event: 'mention',
  route: 'r',
  sink: 't',
  lane: 'console:t',
  template: 'mention',
  payload: noteEvent(`m${n}`, `e${n}`),
});

describe('CLI', () => {
  let dir: string;
  // config.example.yaml reads its webhook secrets from the environment
  const EXAMPLE_SECRETS = { ALICE_HOOK_SECRET: 'k2v9Qw7rTz', SYSTEM_HOOK_SECRET: 'Zp4mL8xN1c' };
  beforeAll(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'bridge-cli-'));
    Object.assign(process.env, EXAMPLE_SECRETS);
  });
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true });
    for (const name of Object.keys(EXAMPLE_SECRETS)) delete process.env[name];
  });

  it('check refuses a placeholder secret, naming file:line and key', () => {
    const file = path.join(dir, 'placeholder.yaml');
    writeFileSync(file, 'sources:\n  alice: { secret: change-me }\nsinks: { t: { type: console } }\nroutes: []\n');
    const run = cli('check', '-c', file);
    expect(run.status).toBe(1);
    expect(run.stdout + run.stderr).toMatch(/placeholder\.yaml:2 sources\.alice\.secret: a placeholder/);
  });

  it('check passes on config.example.yaml', () => {
    const run = cli('check', '-c', path.join(ROOT, 'config.example.yaml'));
    expect(run.stderr).toBe('');
    expect(run.stdout).toContain('✓ config and templates are fine');
    expect(run.status).toBe(0);
  });

  it('check exits 1 naming file:line and key on a typo', () => {
    const file = path.join(dir, 'typo.yaml');
    writeFileSync(file, 'sources: { alice: { secret: x } }\nsinks:\n  terminal: { type: console }\nroutes:\n  - name: r\n    events: [mention]\n    to: [termnial]\n');
    const run = cli('check', '-c', file);
    expect(run.status).toBe(1);
    expect(run.stderr.trim()).toBe('typo.yaml:7 routes[0].to[0]: unknown sink "termnial"');
  });

  it('check reports a template that breaks', () => {
    const templates = path.join(dir, 'templates');
    const file = path.join(dir, 'broken-template.yaml');
    mkdirSync(templates, { recursive: true });
    writeFileSync(path.join(templates, 'mention.hbs'), 'Hi\n{{#if note}}never closed\n');
    writeFileSync(file, `templates: ${templates}\nsources: { alice: { secret: x } }\nsinks: { t: { type: console } }\nroutes: []\n`);
    const run = cli('check', '-c', file);
    expect(run.status).toBe(1);
    expect(run.stderr).toMatch(/mention\.hbs:\d+: /);
  });

  it('check renders a summary for the sinks of routes that group events or keep quiet hours', () => {
    const templates = path.join(dir, 'digest-templates');
    const file = path.join(dir, 'digest.yaml');
    mkdirSync(path.join(templates, 'discord'), { recursive: true });
    // every event's headline once per event: far too long for Discord
    writeFileSync(path.join(templates, 'discord', 'digest.hbs'), '{{#each events}}{{#each ../events}}{{../../headline}} {{/each}}{{/each}}\n');
    const sinks = '{ t: { type: console }, d: { type: discord, webhookUrl: "https://discord.com/api/webhooks/123456789012345678/replace-with-the-token-of-your-webhook-aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa" } }';
    writeFileSync(
      file,
      `templates: ${templates}\nsources: { alice: { secret: x } }\nsinks: ${sinks}\nroutes:\n  - { name: all, events: ["*"], to: [t, d], group: { wait: 1m } }\n`,
    );
    const report = checkCommand(file);
    expect(report.notes.join('\n')).toMatch(/rendered \d+ sample messages/);
    expect(report.problems).toEqual([
      expect.stringMatching(/^a summary of \d+ sample events → sink "d": the digest message is \d+ characters; the platform shows at most 4096/),
    ]);
  });

  it('check warns, and still passes, about routes that never match and events no route takes', () => {
    const file = path.join(dir, 'warnings.yaml');
    writeFileSync(
      file,
      `sources: { alice: { secret: x }, moderation: { secret: y } }
sinks: { t: { type: console } }
routes:
  - { name: likes, sources: [alice], events: [reaction], to: [t] }
  - { name: quiet, sources: [alice], events: [mention, note], filter: { visibility: [] }, to: [t] }
  - { name: people, sources: [alice], events: [reply, followed], to: [t] }
  - { name: reports, sources: [moderation], events: [abuseReport], filter: { text: spam }, to: [t] }
`,
    );
    const run = cli('check', '-c', file);
    expect(run.status).toBe(0);
    expect(run.stderr.trim().split('\n')).toEqual([
      '⚠ warning: route "likes" never matches: reaction is declared by Misskey but not sent today',
      '⚠ warning: route "quiet" never matches: filter.visibility is [], so no note passes (mention, note)',
      '⚠ warning: route "reports" never matches: filter.text needs a note, and abuseReport carries none',
      '⚠ warning: source "alice": no route takes note, renote, mention, follow, unfollow',
      '⚠ warning: source "moderation": no route takes any event from it',
    ]);
    expect(run.stdout).toContain('✓ config and templates are fine (5 warnings)');
  });

  it('check says nothing more about a route written events: ["*"]', () => {
    const file = path.join(dir, 'star-list.yaml');
    writeFileSync(file, 'sources: { alice: { secret: x } }\nsinks: { t: { type: console } }\nroutes:\n  - { name: all, events: ["*"], to: [t] }\n');
    const run = cli('check', '-c', file);
    expect(run.stderr).toBe('');
    expect(run.stdout).toMatch(/rendered [1-9]\d* sample messages/);
    expect(run.status).toBe(0);
  });

  it('check renders the sample events through every route', () => {
    const report = checkCommand(path.join(ROOT, 'config.example.yaml'));
    expect(report.problems).toEqual([]);
    expect(report.warnings).toEqual([]);
    expect(report.notes.join('\n')).toMatch(/rendered \d{2,} sample messages/);
  });

  it.each(fixtureFiles)('render and route-test work on %s', (_name, file) => {
    const config = path.join(ROOT, 'config.example.yaml');
    const payload = JSON.parse(readFileSync(file, 'utf8')) as { body?: { note?: { visibility?: string } }; userId?: string };
    const source = JSON.stringify(payload).includes('"userId"') ? 'alice' : 'moderation';
    const rendered = JSON.parse(renderCommand(file, { config, source })) as { sink: string; body: unknown }[];
    const explained = routeTestCommand(file, { config, source });
    expect(explained).toMatch(/^event: \w+ \(source \w+\)/);
    // watch-everything sends every event to the console sink, but followers-only and direct notes
    // only go where a route lists their visibility
    const visibility = payload.body?.note?.visibility;
    if (visibility === 'followers' || visibility === 'specified') {
      expect(rendered).toEqual([]);
      expect(explained).toContain(`✗ watch-everything: note visibility "${visibility}" is not in [public, home]`);
    } else {
      expect(rendered.map((entry) => entry.sink)).toContain('terminal');
      expect(explained).toContain('✓ watch-everything → terminal');
    }
  });

  it('render prints what a Discord sink would be sent', () => {
    const rendered = JSON.parse(renderCommand(path.join(FIXTURES, 'misskey/mention.local.json'), { config: path.join(ROOT, 'config.example.yaml'), sink: 'discord-mentions' }));
    expect(rendered).toHaveLength(1);
    expect(rendered[0].body).toMatchObject({ allowed_mentions: { parse: [] }, embeds: [expect.objectContaining({ url: expect.stringContaining('/notes/') })] });
  });

  it('audit list and dlq list show control characters in names and errors escaped, so no line can be forged or hidden', async () => {
    const db = path.join(dir, 'controls.db');
    const config = path.join(dir, 'controls.yaml');
    writeFileSync(config, `storage: { driver: sqlite, path: "${db}" }\nsources: { alice: { secret: x } }\nsinks: { t: { type: console } }\nroutes: []\n`);
    const queue = openSqliteStore({ path: db });
    const forged = 'mallory\r2026-01-01T00:00:00.000Z  discord   t     admin\u001b[2K\u202e\u0007';
    await queue.audit.append({ at: 1000, platform: 'discord', sink: 't', source: 'alice', reportId: 'r1', action: 'resolve', actor: '42', actorName: forged, outcome: 'refused', detail: 'line one\nline two' });
    await queue.jobs.accept('alice', 'e9', [{ id: 'alice:e9:r:t', source: 'alice', eventId: 'e9', event: 'mention', route: 'r', sink: 't', lane: 'console:t', template: 'mention', payload: noteEvent('m9', 'e9') }], 1000);
    for (const leased of await queue.jobs.lease('console:t', 2000, 10, 60_000)) await queue.jobs.deadLetter(leased, 'bad\u001b]8;;https://evil.example\u0007link\nforged line', 3000);
    await queue.close();

    const audit = await auditList({ config });
    expect(audit.split('\n')).toHaveLength(2);
    expect(audit.replace(/\n/g, '')).not.toMatch(/[\p{Cc}\u202a-\u202e\u2066-\u2069]/u);
    expect(audit).toContain('mallory\\r2026-01-01');
    expect(audit).toContain('\\x1b[2K\\u202e\\x07');
    expect(audit).toContain('line one\\nline two');
    const letters = await dlqList({ config });
    expect(letters.split('\n')).toHaveLength(3);
    expect(letters).toContain('bad\\x1b]8;;https://evil.example\\x07link\\nforged line');
  });

  it('dlq lists, retries and drops dead letters of the configured store', async () => {
    const db = path.join(dir, 'dlq.db');
    const config = path.join(dir, 'dlq.yaml');
    writeFileSync(config, `storage: { driver: sqlite, path: "${db}" }\nsources: { alice: { secret: x } }\nsinks: { t: { type: console } }\nroutes: []\n`);
    const queue = openSqliteStore({ path: db });
    await queue.jobs.accept('alice', 'e1', [job(1)], 1000);
    await queue.jobs.accept('alice', 'e2', [job(2)], 1000);
    for (const leased of await queue.jobs.lease('console:t', 2000, 10, 60_000)) await queue.jobs.deadLetter(leased, 'invalid_blocks', 3000);
    await queue.close();

    const listed = await dlqList({ config });
    expect(listed).toContain('alice:e1:r:t');
    expect(listed).toContain('failed 1970-01-01T00:00:03.000Z after 1 attempt(s): invalid_blocks');
    expect(await dlqRetry(['alice:e1:r:t'], { config })).toBe('1 dead letter(s) queued again');
    expect(await dlqDrop([], { config, all: true })).toBe('1 dead letter(s) dropped');
    await expect(dlqRetry([], { config })).rejects.toThrow(/by id, or use --sink NAME or --all/);
    expect(await dlqList({ config })).toBe('no dead letters');

    const reopened = openSqliteStore({ path: db });
    expect((await reopened.jobs.stats()).map((lane) => lane.depth)).toEqual([1]);
    await reopened.close();
  });

  it('jobs lists the waiting jobs and drops one by id, so a job that must not go out never does', async () => {
    const db = path.join(dir, 'jobs.db');
    const config = path.join(dir, 'jobs.yaml');
    writeFileSync(config, `storage: { driver: sqlite, path: "${db}" }\nsources: { alice: { secret: x } }\nsinks: { t: { type: console } }\nroutes: []\n`);
    const store = openSqliteStore({ path: db });
    await store.jobs.accept('alice', 'e1', [job(1)], Date.now());
    await store.jobs.accept('alice', 'e2', [job(2)], Date.now());
    await store.close();

    const listed = await jobsList({ config });
    expect(listed).toMatch(/^JOB +SINK +EVENT/);
    expect(listed).toContain('alice:e1:r:t');
    expect(listed).toContain('alice:e2:r:t');
    expect(await jobsDrop(['alice:e1:r:t', 'alice:e9:r:t'], { config })).toBe('1 waiting job(s) dropped; 1 not found or being sent right now');
    expect(await jobsList({ config, sink: 'other' })).toBe('no job of sink "other" is waiting');
    await expect(jobsDrop([], { config })).rejects.toThrow(/name the jobs to drop/);

    const reopened = openSqliteStore({ path: db });
    expect((await reopened.jobs.waiting(Date.now(), 10)).map((waiting) => waiting.id)).toEqual(['alice:e2:r:t']);
    await reopened.close();
  });
});
