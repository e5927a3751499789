import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../..');

export interface BridgeProcess {
  child: ChildProcess;
  url: string;
  /** every JSON log line so far */
  logs: Record<string, unknown>[];
  /** resolves with the exit code */
  exited: Promise<number | null>;
}

/**
 * Runs `misskey-bridge serve -c <config>` from the sources in a child process; `preload` are
 * more scripts for node's `-r`.
 */
export async function spawnBridge(configFile: string, env: NodeJS.ProcessEnv = {}, preload: string[] = []): Promise<BridgeProcess> {
  const requires = [path.join(ROOT, 'test/helpers/register-ts.js'), ...preload].flatMap((script) => ['-r', script]);
  const child = spawn(process.execPath, [...requires, path.join(ROOT, 'src/cli.ts'), 'serve', '-c', configFile], {
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
