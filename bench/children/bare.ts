/**
 * The baseline for the ingest row: a bare Express 5 app that only parses the same JSON the bridge
 * receives and answers 204. Forked by the bench; reports its port over IPC.
 */
import type { AddressInfo } from 'node:net';
import express from 'express';
import { answerRequests, cpuMicros, memory, tellParent } from '../lib/process';

const app = express();
app.disable('x-powered-by');
app.set('etag', false);
app.post('/hooks/:source', express.json({ limit: '1mb' }), (_req, res) => {
  res.status(204).end();
});

const server = app.listen(0, '127.0.0.1', () => {
  tellParent({ type: 'listening', port: (server.address() as AddressInfo).port });
});
// the same keep-alive as the bridge's listener
server.keepAliveTimeout = 65_000;

answerRequests((message) => {
  if (message.type === 'memory') return memory();
  if (message.type === 'cpu') return cpuMicros();
  throw new Error(`unknown request ${message.type}`);
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
