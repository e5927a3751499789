import { spawn, type ChildProcess } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { SECRET } from './bridge';
import ts from 'typescript';

const ROOT = path.resolve(__dirname, '../..');
const REGISTER_TS = path.join(ROOT, 'test/helpers/register-ts.js');
/** the CLI from the sources, transpiled as it is required */
export const SOURCE_CLI = path.join(ROOT, 'src/cli.ts');

/** node's arguments that run `cli` (a .ts entry through the transpiling hook, a .js one as is) */
export function cliArgs(cli: string, args: string[]): string[] {
  return cli.endsWith('.ts') ? ['-r', REGISTER_TS, cli, ...args] : [cli, ...args];
}

/**
 * Transpiles src/ once into `dir` (the same options as register-ts.js, no type checking; other files,
 * such as the Redis scripts, copied) next to
 * links to the templates, samples and node_modules, and returns its cli.js. Tests that start the
 * bridge many times use it to skip transpiling every source file on every start.
 */
export function transpiledCli(dir: string): string {
  const compilerOptions = { module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022, esModuleInterop: true };
  const copy = (from: string, to: string): void => {
    mkdirSync(to, { recursive: true });
    for (const entry of readdirSync(from, { withFileTypes: true })) {
      const source = path.join(from, entry.name);
      if (entry.isDirectory()) copy(source, path.join(to, entry.name));
      // declaration files have no output (transpiling one throws)
      else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
        const { outputText } = ts.transpileModule(readFileSync(source, 'utf8'), { fileName: source, compilerOptions });
        writeFileSync(path.join(to, entry.name.replace(/\.ts$/, '.js')), outputText);
      } else if (!entry.name.endsWith('.ts')) copyFileSync(source, path.join(to, entry.name));
    }
  };
  copy(path.join(ROOT, 'src'), path.join(dir, 'src'));
  for (const linked of ['templates', 'samples', 'node_modules']) symlinkSync(path.join(ROOT, linked), path.join(dir, linked));
  return path.join(dir, 'src/cli.js');
}

export interface BridgeProcess {
  child: ChildProcess;
  url: string;
  /** every JSON log line so far */
  logs: Record<string, unknown>[];
  /** resolves with the exit code */
  exited: Promise<number | null>;
}

/**
 * Runs `misskey-bridge serve -c <config>` in a child process, from the sources unless told another
 * `cli`; `preload` are more scripts for node's `-r`.
 */
export async function spawnBridge(
  configFile: string,
  env: NodeJS.ProcessEnv = {},
  { cli = SOURCE_CLI, preload = [] }: { cli?: string; preload?: string[] } = {},
): Promise<BridgeProcess> {
  const child = spawn(process.execPath, [...preload.flatMap((script) => ['-r', script]), ...cliArgs(cli, ['serve', '-c', configFile])], {
    cwd: ROOT,
    env: { ...process.env, LOG_FORMAT: 'json', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs: Record<string, unknown>[] = [];
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  let buffered = '';
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        try {
          const entry = JSON.parse(line) as Record<string, unknown>;
          logs.push(entry);
          if (entry.msg === 'misskey-bridge is listening') resolve(entry.port as number);
        } catch {
          // console sink output: not a log line
        }
      }
    });
    void exited.then((code) => reject(new Error(`bridge exited with ${code} before listening: ${stderr}`)));
  });
  return { child, url: `http://127.0.0.1:${port}`, logs, exited };
}

/** POSTs a webhook body to the bridge's `/hooks/alice`: the answer's status, 0 when none came (10 s). */
export function postToBridge(bridge: { url: string }, body: unknown): Promise<number> {
  return fetch(`${bridge.url}/hooks/alice`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'x-misskey-hook-secret': SECRET },
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(10_000),
  }).then(
    (response) => response.status,
    () => 0,
  );
}

/** SIGKILLs every bridge of the list, waits until each is gone, and empties the list. */
export async function killAll(running: BridgeProcess[]): Promise<void> {
  for (const bridge of running.splice(0)) {
    bridge.child.kill('SIGKILL');
    await bridge.exited;
  }
}
