/* eslint-disable @typescript-eslint/no-require-imports -- plain CommonJS, run by node itself */
// Usage: node sqlite-accept-child.js <database path>
// Accepts events e0, e1, … one by one (two jobs each) and prints each eventId once its accept has
// resolved, until killed.
require('./register-ts');
const { openSqliteStore } = require('../../src/store/sqlite/store');

const LIMIT = 1_000_000;

async function main() {
  const store = openSqliteStore({ path: process.argv[2] });
  for (let i = 0; i < LIMIT; i++) {
    const eventId = `e${i}`;
    const jobs = ['discord', 'slack'].map((sink) => ({
      id: `${eventId}:${sink}`,
      source: 'misskey',
      eventId,
      event: 'note',
      route: 'notes',
      sink,
      lane: `${sink}:main`,
      message: { event: 'note', text: `note ${i}`, plain: `note ${i}`, images: [], fields: [] },
    }));
    await store.jobs.accept('misskey', eventId, jobs, Date.now());
    process.stdout.write(`${eventId}\n`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
