/**
 * MFM parsing with a time bound.
 *
 * The parser (./parser, a port of mfm-js's) backtracks as mfm-js does, without memoisation: some
 * short hostile inputs take long (3000 × `[` ≈ 0.3 s, 500 × `\([)` ≈ 2 s; 15 s and 27 s with
 * mfm-js 0.26, on Node 20), and no cheap pre-check catches every such shape. So text is parsed
 * here with a limit on the parser's steps that real notes stay far below; past it, the parse runs
 * in a worker thread while this thread waits synchronously (Atomics.wait) for at most
 * PARSE_TIMEOUT_MS; past that the worker is terminated and the text is parsed with `parseSimple`
 * (text and emoji only: inert, just unformatted). Results, fallbacks included, are cached, as
 * every target renders the same text.
 *
 * Text made only of characters no MFM syntax starts with is a single text node without parsing.
 */
import type { MfmNode } from 'mfm-js';
import { MessageChannel, receiveMessageOnPort, Worker, type MessagePort } from 'node:worker_threads';
import { parseSimple, parseWithin } from './parser';

/**
 * Steps the parser may take in this thread, per character of text and at least (see
 * parseWithin): real notes take 3–6 per character, random MFM-heavy text up to about 11,
 * hostile text hundreds to tens of thousands. A text that needs more costs this thread at most
 * ~20 ms (6,000 characters, renderMfm's input cap, at up to ~150 ns a step) before it goes to
 * the worker.
 */
const STEPS_PER_CHAR = 20;
const MIN_STEPS = 10_000;
/**
 * Only text past the step limit reaches the worker: heavy backtracking, mostly hostile. In a
 * fresh thread the parser takes 5–15 ms for 6,000 characters of real notes; 250 ms lets it
 * finish a few million steps of backtracking.
 */
const PARSE_TIMEOUT_MS = 250;
const START_TIMEOUT_MS = 5_000;
/** After a failed start, notes are parsed with `parseSimple` for this long before trying again. */
const START_RETRY_MS = 60_000;
const CACHE_SIZE = 32;

/**
 * flag[0]: 0 = busy, -1 = ready, -2 = failed to start, n > 0 = request n answered.
 *
 * The thread requires the parser by path (PARSER_PATH). When the sources run as TypeScript,
 * register-ts.js (loaded with `node -r`, which workers inherit) transpiles them, except under
 * jest, which transpiles only in its own module loader: the thread then transpiles the parser as
 * register-ts.js does, with the compiler at workerData.typescriptPath.
 */
const WORKER_SOURCE = `
const { workerData } = require('node:worker_threads');
const flag = new Int32Array(workerData.flag);
try {
  if (workerData.typescriptPath !== null && require.extensions['.ts'] === undefined) {
    const ts = require(workerData.typescriptPath);
    const fs = require('node:fs');
    const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
    require.extensions['.ts'] = (mod, filename) =>
      mod._compile(ts.transpileModule(fs.readFileSync(filename, 'utf8'), { fileName: filename, compilerOptions }).outputText, filename);
  }
  const { parse } = require(workerData.parserPath);
  const port = workerData.port;
  // Warm the parser up so that a fresh thread is not slowed down by the JIT on its first real note.
  const sample = '$[x2 **bold**] <center>@a@b.example #tag :e: 🍣</center> [l](https://x.example/) \`c\` > q\\n';
  for (let i = 0; i < 20; i++) parse(sample.repeat(4));
  port.on('message', ({ id, text }) => {
    let nodes = null;
    try { nodes = parse(text); } catch { nodes = null; }
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

/** The parser, for the thread to require: JavaScript once built, TypeScript run from the sources. */
const PARSER_PATH = require.resolve('./parser');

interface ParserThread {
  worker: Worker;
  port: MessagePort;
  flag: Int32Array;
  nextId: number;
  ready: boolean;
}

let thread: ParserThread | null = null;
let startFailedAt = -Infinity;
const cache = new Map<string, MfmNode[]>();

/**
 * Parsed MFM of `text`, taking at most about PARSE_TIMEOUT_MS (plus, when the parser thread is
 * still starting, the rest of its start-up: ~0.1–0.3 s, once, and after a hostile note).
 */
export function parseBounded(text: string): MfmNode[] {
  const hit = cache.get(text);
  if (hit !== undefined) {
    cache.delete(text);
    cache.set(text, hit);
    return hit;
  }
  const nodes = isPlainText(text) ? plainNodes(text) : (parseInThisThread(text) ?? parseInWorker(text) ?? parseSimple(text));
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

/** True when MFM `text` is nothing but one text node (none when empty). */
export function isPlainText(text: string): boolean {
  return PLAIN_TEXT.test(text) && !SEARCH_BUTTON.test(text);
}

function plainNodes(text: string): MfmNode[] {
  return text === '' ? [] : [{ type: 'text', props: { text } }];
}

/**
 * Nodes of `text` when the parser gets through it within the step limit here, else null (and
 * parseSimple's should the parser ever throw).
 */
export function parseInThisThread(text: string): MfmNode[] | null {
  try {
    return parseWithin(text, Math.max(MIN_STEPS, STEPS_PER_CHAR * text.length));
  } catch {
    return parseSimple(text);
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

function parseInWorker(text: string): MfmNode[] | null {
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
    const message = reply.message as { id: number; nodes: MfmNode[] | null };
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
      workerData: { port: port2, flag: flag.buffer, parserPath: PARSER_PATH, typescriptPath: PARSER_PATH.endsWith('.ts') ? require.resolve('typescript') : null },
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
