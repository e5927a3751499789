/**
 * mfm-js parsing with a time bound.
 *
 * mfm-js backtracks without memoisation: some short hostile inputs take seconds
 * (3000 × `[` ≈ 15 s, 500 × `\([)` ≈ 27 s, measured with mfm-js 0.26 on Node 20), and no
 * cheap pre-check catches every such shape. So the parse runs in a worker thread while this
 * thread waits synchronously (Atomics.wait) for at most PARSE_TIMEOUT_MS; past that the worker
 * is terminated and the text is parsed with `parseSimple` (text and emoji only: inert, just
 * unformatted). Results, fallbacks included, are cached, as every target renders the same text.
 */
import * as mfm from 'mfm-js';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

/** Generous for real notes: 10,000 characters of Japanese text parse in about 150 ms. */
const PARSE_TIMEOUT_MS = 250;
const START_TIMEOUT_MS = 10_000;
const CACHE_SIZE = 32;

const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const mfm = require(workerData.mfmPath);
const flag = new Int32Array(workerData.flag);
const port = workerData.port;
port.on('message', ({ id, text }) => {
  let nodes = null;
  try { nodes = mfm.parse(text); } catch { nodes = null; }
  port.postMessage({ id, nodes });
  Atomics.store(flag, 0, id);
  Atomics.notify(flag, 0);
});
Atomics.store(flag, 0, -1);
Atomics.notify(flag, 0);
`;

interface ParserThread {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
  nextId: number;
}

let thread: ParserThread | null = null;
const cache = new Map<string, mfm.MfmNode[]>();

/** Parsed MFM of `text`, never taking much longer than PARSE_TIMEOUT_MS. */
export function parseBounded(text: string): mfm.MfmNode[] {
  const hit = cache.get(text);
  if (hit !== undefined) {
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  const nodes = parseInWorker(text) ?? mfm.parseSimple(text);
  cache.set(text, nodes);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return nodes;
}

/** Stops the parser thread (it is unref'd, so this is only needed for a tidy shutdown). */
export async function stopMfmParser(): Promise<void> {
  const current = thread;
  thread = null;
  cache.clear();
  if (current !== null) {
    current.port.close();
    await current.worker.terminate();
  }
}

function parseInWorker(text: string): mfm.MfmNode[] | null {
  const t = thread ?? startThread();
  if (t === null) return null;
  const id = t.nextId++;
  Atomics.store(t.flag, 0, 0);
  t.port.postMessage({ id, text });
  if (!waitFor(t.flag, id, PARSE_TIMEOUT_MS)) {
    kill(t);
    return null;
  }
  for (let reply = receiveMessageOnPort(t.port); reply !== undefined; reply = receiveMessageOnPort(t.port)) {
    const message = reply.message as { id: number; nodes: mfm.MfmNode[] | null };
    if (message.id === id) return message.nodes;
  }
  kill(t);
  return null;
}

function startThread(): ParserThread | null {
  const { port1, port2 } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  let worker: Worker;
  try {
    worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { port: port2, flag: flag.buffer, mfmPath: require.resolve('mfm-js') },
      transferList: [port2],
      resourceLimits: { maxOldGenerationSizeMb: 128 },
    });
  } catch {
    return null;
  }
  worker.unref();
  worker.on('error', () => undefined);
  const t: ParserThread = { worker, port: port1, flag, nextId: 1 };
  if (!waitFor(flag, -1, START_TIMEOUT_MS)) {
    kill(t);
    return null;
  }
  thread = t;
  return t;
}

/** Blocks until `flag[0] === value`, at most `timeoutMs`. */
function waitFor(flag: Int32Array, value: number, timeoutMs: number): boolean {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const current = Atomics.load(flag, 0);
    if (current === value) return true;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    Atomics.wait(flag, 0, current, left);
  }
}

function kill(t: ParserThread): void {
  if (thread === t) thread = null;
  t.port.close();
  void t.worker.terminate();
}
