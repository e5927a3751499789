/**
 * Child processes for the benchmarks: each server under test (bridge, bare Express app, fake
 * Discord) runs in a process of its own, so the load generator never shares its event loop.
 * They are TypeScript files, transpiled once per run by transpileSources (so that the processes
 * under test neither load the TypeScript compiler nor transpile while they start), and they talk
 * to the bench over IPC.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export const ROOT = path.resolve(__dirname, '../..');
const REGISTER = path.join(__dirname, 'register-transpiled.js');

/** Folders whose TypeScript the children may load. */
const SOURCES = ['src', 'test/fakes', 'test/helpers', 'bench'];

/**
 * Transpiles every source a child may load into `cacheDir` (as register-ts.js would, file by
 * file, no type checking) and points the children's require hook at it: the processes under
 * test then run plain JavaScript, as a built bridge does.
 */
export function transpileSources(cacheDir: string): void {
  // required here, not imported at the top: the children load this file too, and the compiler
  // alone would add ~100 MB to the RSS of the bridge under test
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const ts = require('typescript') as typeof import('typescript');
  const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
  for (const folder of SOURCES) {
    const files = readdirSync(path.join(ROOT, folder), { recursive: true, encoding: 'utf8' }).filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));
    for (const file of files) {
      const source = path.join(ROOT, folder, file);
      const target = path.join(cacheDir, folder, file.replace(/\.ts$/, '.js'));
      mkdirSync(path.dirname(target), { recursive: true });
      writeFileSync(target, ts.transpileModule(readFileSync(source, 'utf8'), { fileName: source, compilerOptions }).outputText);
    }
  }
  process.env.BENCH_TRANSPILED = cacheDir;
}

/** A message between the bench and a child; requests carry an `id` the answer repeats. */
export interface IpcMessage {
  type: string;
  id?: number;
  [key: string]: unknown;
}

export interface Child {
  proc: ChildProcess;
  pid: number;
  /** resolves with the exit code (null when killed by a signal) */
  exited: Promise<number | null>;
  /** the next message of this type (or rejects when the child exits first or the time is up) */
  next<T extends IpcMessage>(type: string, timeoutMs?: number): Promise<T>;
  /** sends a request and waits for the answer with the same id */
  request<T extends IpcMessage>(message: IpcMessage, timeoutMs?: number): Promise<T>;
  /** SIGTERM, then SIGKILL after `graceMs`; resolves with the exit code */
  stop(graceMs?: number): Promise<number | null>;
  /** the last lines the child wrote to stdout/stderr (for error messages) */
  tail(lines?: number): string;
}

let requestIds = 0;

/** Forks `bench/<script>` with the require hook of transpileSources; its stdout/stderr go to `outputFile`. */
export function forkTs(script: string, args: string[], outputFile: string, env: NodeJS.ProcessEnv = {}): Child {
  const output = openSync(outputFile, 'a');
  const proc = fork(path.resolve(ROOT, 'bench', script), args, {
    cwd: ROOT,
    execArgv: ['-r', REGISTER, ...(env.BENCH_NODE_ARGS ?? process.env.BENCH_NODE_ARGS ?? '').split(' ').filter(Boolean)],
    env: { ...process.env, ...env },
    stdio: ['ignore', output, output, 'ipc'],
  });
  closeSync(output);
  const exited = new Promise<number | null>((resolve) => proc.on('exit', (code) => resolve(code)));
  const tail = (lines = 15) => {
    try {
      return readFileSync(outputFile, 'utf8').trimEnd().split('\n').slice(-lines).join('\n');
    } catch {
      return '';
    }
  };
  const waitFor = <T extends IpcMessage>(matches: (message: IpcMessage) => boolean, what: string, timeoutMs: number): Promise<T> =>
    new Promise<T>((resolve, reject) => {
      const onMessage = (message: IpcMessage) => {
        if (!matches(message)) return;
        done();
        resolve(message as T);
      };
      const onExit = (code: number | null) => {
        done();
        reject(new Error(`${script} exited (${code}) before ${what}${tail() ? `:\n${tail()}` : ''}`));
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`${script}: no ${what} within ${timeoutMs} ms${tail() ? `:\n${tail()}` : ''}`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        proc.off('message', onMessage);
        proc.off('exit', onExit);
      };
      proc.on('message', onMessage);
      proc.on('exit', onExit);
    });
  return {
    proc,
    pid: proc.pid ?? -1,
    exited,
    tail,
    next: (type, timeoutMs = 30_000) => waitFor((message) => message.type === type, `"${type}"`, timeoutMs),
    request(message, timeoutMs = 30_000) {
      const id = ++requestIds;
      const answer = waitFor((reply) => reply.id === id, `an answer to "${message.type}"`, timeoutMs);
      proc.send({ ...message, id });
      return answer as never;
    },
    async stop(graceMs = 15_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      const timer = setTimeout(() => proc.kill('SIGKILL'), graceMs);
      const code = await exited;
      clearTimeout(timer);
      return code;
    },
  };
}

// ---------------------------------------------------------------------------------------------
// The child's side

/** Sends a message to the bench (no-op when not forked with IPC). */
export function tellParent(message: IpcMessage): void {
  process.send?.(message);
}

/** Answers the bench's requests: the handler's result is sent back with the request's id. */
export function answerRequests(handle: (message: IpcMessage) => Promise<Record<string, unknown>> | Record<string, unknown>): void {
  process.on('message', (message: IpcMessage) => {
    void Promise.resolve()
      .then(() => handle(message))
      .then(
        (answer) => tellParent({ type: `${message.type}:answer`, ...answer, id: message.id }),
        (error: unknown) => tellParent({ type: `${message.type}:answer`, error: String(error), id: message.id }),
      );
  });
  // the bench went away: do not linger
  process.on('disconnect', () => process.exit(0));
}

/** CPU time this process has used so far, every thread of it (GC helpers included), in µs. */
export function cpuMicros(): { cpu: number } {
  const { user, system } = process.cpuUsage();
  return { cpu: user + system };
}

/** RSS now and the peak so far, in bytes, of the calling process. */
export function memory(): { rss: number; maxRss: number; heapUsed: number } {
  const { rss, heapUsed } = process.memoryUsage();
  return { rss, heapUsed, maxRss: process.resourceUsage().maxRSS * 1024 };
}

/**
 * Milliseconds on a clock shared by every process of the machine. Not `performance.timeOrigin`:
 * each process fixes its own when it starts, and two processes' origins were seen 200 ms apart.
 */
export const wallClock = (): number => Date.now();
