import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openSqliteStore } from '../../src/store/sqlite/store';

const CHILD = path.join(__dirname, '..', 'helpers', 'sqlite-accept-child.js');

/** runs the child until it has reported `count` accepted events, then SIGKILLs it; returns what it reported */
function acceptUntilKilled(file: string, count: number): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, file], { stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    let errors = '';
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      output += chunk;
      if (output.split('\n').length > count) child.kill('SIGKILL');
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (errors += chunk));
    child.on('error', reject);
    child.on('close', (code, signal) => {
      if (signal !== 'SIGKILL') reject(new Error(`child ended on its own (code ${code}): ${errors}`));
      // a line cut short by the kill was not fully reported
      else resolve(output.split('\n').slice(0, -1));
    });
  });
}

describe('Store after a crash', () => {
  let dir: string;

  beforeEach(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'misskey-bridge-crash-'));
  });

  afterEach(() => {
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('keeps every event whose accept had resolved when the process was killed', async () => {
    const file = path.join(dir, 'queue.sqlite');
    const reported = await acceptUntilKilled(file, 300);
    expect(reported.length).toBeGreaterThanOrEqual(300);

    const queue = openSqliteStore({ path: file });
    try {
      const later = Date.now() + 60_000;
      const stored = new Set<string>();
      for (const lane of ['discord:main', 'slack:main']) {
        for (const job of await queue.jobs.lease(lane, later, 1_000_000, 1000)) stored.add(job.id);
      }
      for (const eventId of reported) {
        expect(stored).toContain(`${eventId}:discord`);
        expect(stored).toContain(`${eventId}:slack`);
        await expect(queue.jobs.accept('misskey', eventId, [], later)).resolves.toBe('duplicate');
      }
    } finally {
      await queue.close();
    }
  });
});
