/**
 * The accept path's physical reference for the ingest row: `bench/durable-floor.cjs`, run as it is
 * (Express + JSON + secret check + one SQLite row, answered after the commit), on a free port.
 * Reports its port over IPC once it answers.
 *
 * Usage (forked by bench/lib/process.ts): floor.ts <db file>
 */
import net from 'node:net';
import path from 'node:path';
import { answerRequests, cpuMicros, memory, tellParent } from '../lib/process';

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as net.AddressInfo;
      probe.close(() => resolve(port));
    });
    probe.on('error', reject);
  });
}

function answers(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => socket.end(() => resolve(true)));
    socket.on('error', () => resolve(false));
  });
}

async function main(): Promise<void> {
  const [dbFile] = process.argv.slice(2);
  if (!dbFile) throw new Error('usage: floor.ts <db file>');
  const port = await freePort();
  process.argv = [process.argv[0]!, 'durable-floor.cjs', String(port), dbFile];
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  require(path.join(__dirname, '..', 'durable-floor.cjs'));
  while (!(await answers(port))) await new Promise((resolve) => setTimeout(resolve, 5));
  tellParent({ type: 'listening', port });
  answerRequests((message) => {
    if (message.type === 'memory') return memory();
    if (message.type === 'cpu') return cpuMicros();
    throw new Error(`unknown request ${message.type}`);
  });
}

main().catch((error: unknown) => {
  console.error(error);
  process.exit(1);
});
