/**
 * mfm-js parsing with a time bound.
 *
 * mfm-js backtracks without memoisation: some short hostile inputs take seconds
 * (3000 × `[` ≈ 15 s, 500 × `\([)` ≈ 27 s, measured with mfm-js 0.26 on Node 20), and no
 * cheap pre-check catches every such shape. So the parse runs in a worker thread while this
 * thread waits synchronously (Atomics.wait) for at most PARSE_TIMEOUT_MS; past that the worker
 * is terminated and the text is parsed with `parseSimple` (text and emoji only: inert, just
 * unformatted). Results, fallbacks included, are cached, as every target renders the same text.
 *
 * Two kinds of text skip the worker: text made only of characters no MFM syntax starts with is a
 * single text node without any parsing, and text without the characters that open nested syntax
 * (the only source of mfm-js's backtracking) is parsed right here, in time linear in its length.
 */
import * as mfm from 'mfm-js';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';

/**
 * Real notes take far less: 6,000 characters (renderMfm's input cap) of Japanese text parse in
 * 20–60 ms, about 100 ms in a fresh thread on a busy machine.
 */
const PARSE_TIMEOUT_MS = 250;
const START_TIMEOUT_MS = 5_000;
/** how often warmMfmParser looks whether the starting thread is ready */
const WARM_POLL_MS = 5;
/** After a failed start, notes are parsed with `parseSimple` for this long before trying again. */
const START_RETRY_MS = 60_000;
const CACHE_SIZE = 32;

/** flag[0]: 0 = busy, -1 = ready, -2 = failed to start, n > 0 = request n answered. */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const flag = new Int32Array(workerData.flag);
try {
  const mfm = require(workerData.mfmPath);
  const port = workerData.port;
  // Warm the parser up so that a fresh thread is not slowed down by the JIT on its first real note.
  const sample = '$[x2 **bold**] <center>@a@b.example #tag :e: 🍣</center> [l](https://x.example/) \`c\` > q\\n';
  for (let i = 0; i < 20; i++) mfm.parse(sample.repeat(4));
  port.on('message', ({ id, text }) => {
    let nodes = null;
    try { nodes = mfm.parse(text); } catch { nodes = null; }
    port.postMessage({ id, nodes });
    Atomics.store(flag, 0, id);
    Atomics.notify(flag, 0);
  });
  Atomics.store(flag, 0, -1);
} catch {
  Atomics.store(flag, 0, -2);
}
Atomics.notify(flag, 0);
`;

interface ParserThread {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
  nextId: number;
  ready: boolean;
}

let thread: ParserThread | null = null;
let startFailedAt = -Infinity;
const cache = new Map<string, mfm.MfmNode[]>();

/**
 * Parsed MFM of `text`, taking at most about PARSE_TIMEOUT_MS (plus, when the parser thread is
 * still starting, the rest of its start-up: ~0.1–0.3 s, once, and after a hostile note).
 */
export function parseBounded(text: string): mfm.MfmNode[] {
  const hit = cache.get(text);
  if (hit !== undefined) {
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  const nodes = isPlainText(text) ? plainNodes(text) : parsesInThisThread(text) ? parseHere(text) : (parseInWorker(text) ?? mfm.parseSimple(text));
  cache.set(text, nodes);
  if (cache.size > CACHE_SIZE) cache.delete(cache.keys().next().value as string);
  return nodes;
}

/**
 * Characters that start no MFM syntax alone: ASCII letters and digits, spaces, newlines, some
 * punctuation, kana and CJK ideographs (none of them an emoji). `search` and `検索` are the
 * search box's button, so text with either is parsed.
 */
const PLAIN_TEXT = /^[A-Za-z0-9 \t\n.,!?'"%&=;+\-/\u3001\u3002\u3041-\u3096\u30A1-\u30FA\u30FC\u4E00-\u9FFF\uFF01\uFF1F]*$/;
const SEARCH_BUTTON = /search|検索/i;

/** True when mfm-js would parse `text` into nothing but one text node (none when empty). */
export function isPlainText(text: string): boolean {
  return PLAIN_TEXT.test(text) && !SEARCH_BUTTON.test(text);
}

function plainNodes(text: string): mfm.MfmNode[] {
  return text === '' ? [] : [{ type: 'text', props: { text } }];
}

/**
 * Longest text parsed in this thread (Misskey's default note limit); mfm-js takes about 5–15 ms
 * for 3,000 characters of the shapes that remain.
 */
const IN_THREAD_MAX = 3_000;
/**
 * What opens nested syntax (links and their labels, `$[fn …]`, `**`, `__`, `~~`, tags, quotes,
 * math, brackets inside hashtags and URLs): mfm-js retries a nested parse at every such opener,
 * which is where its time goes polynomial and worse. Without them every construct it can still
 * find (mentions, hashtags, URLs, emoji, inline code, code blocks, search) is one forward scan.
 */
const NESTING = /[[(（「*_~<>$\\]/;

/** True when `text` is short and has nothing mfm-js backtracks on: parsed without the worker. */
export function parsesInThisThread(text: string): boolean {
  return text.length <= IN_THREAD_MAX && !NESTING.test(text);
}

function parseHere(text: string): mfm.MfmNode[] {
  try {
    return mfm.parse(text);
  } catch {
    return mfm.parseSimple(text);
  }
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
  const t = thread ?? spawn();
  if (t === null || !ready(t)) return null;
  const id = t.nextId++;
  Atomics.store(t.flag, 0, 0);
  t.port.postMessage({ id, text });
  if (!waitFor(t.flag, id, PARSE_TIMEOUT_MS)) {
    replace(t);
    return null;
  }
  for (let reply = receiveMessageOnPort(t.port); reply !== undefined; reply = receiveMessageOnPort(t.port)) {
    const message = reply.message as { id: number; nodes: mfm.MfmNode[] | null };
    if (message.id === id) return message.nodes;
  }
  replace(t);
  return null;
}

/** A new parser thread, starting in the background; null while starts keep failing. */
function spawn(): ParserThread | null {
  if (performance.now() - startFailedAt < START_RETRY_MS) return null;
  const { port1, port2 } = new MessageChannel();
  const flag = new Int32Array(new SharedArrayBuffer(4));
  try {
    const worker = new Worker(WORKER_SOURCE, {
      eval: true,
      workerData: { port: port2, flag: flag.buffer, mfmPath: require.resolve('mfm-js') },
      transferList: [port2],
      resourceLimits: { maxOldGenerationSizeMb: 128 },
    });
    worker.unref();
    worker.on('error', () => undefined);
    thread = { worker, port: port1, flag, nextId: 1, ready: false };
    return thread;
  } catch {
    startFailedAt = performance.now();
    return null;
  }
}

/** Waits for a starting thread (at most START_TIMEOUT_MS); false when it failed to start. */
function ready(t: ParserThread): boolean {
  if (t.ready) return true;
  if (waitFor(t.flag, -1, START_TIMEOUT_MS)) return (t.ready = true);
  stop(t);
  startFailedAt = performance.now();
  return false;
}

/** Blocks until `flag[0]` is `value` (true) or the start failed or `timeoutMs` passed (false). */
function waitFor(flag: Int32Array, value: number, timeoutMs: number): boolean {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    const current = Atomics.load(flag, 0);
    if (current === value) return true;
    if (current === -2) return false;
    const left = deadline - performance.now();
    if (left <= 0) return false;
    Atomics.wait(flag, 0, current, left);
  }
}

/**
 * Starts the parser thread without blocking and resolves once it is ready (or failed to start):
 * a bridge with a backlog calls it before delivering, so the first note with nested syntax does
 * not hold the event loop while the thread starts.
 */
export async function warmMfmParser(): Promise<void> {
  const t = thread ?? spawn();
  if (t === null || t.ready) return;
  const deadline = performance.now() + START_TIMEOUT_MS;
  while (Atomics.load(t.flag, 0) === 0 && performance.now() < deadline) await new Promise((resolve) => setTimeout(resolve, WARM_POLL_MS));
}

/** Ends a stuck thread; its successor starts in the background right away. */
function replace(t: ParserThread): void {
  stop(t);
  spawn();
}

function stop(t: ParserThread): void {
  if (thread === t) thread = null;
  t.port.close();
  void t.worker.terminate();
}
