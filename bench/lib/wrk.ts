/**
 * wrk (Debian's `wrk` package) as a second load generator beside autocannon: one thread, many
 * connections, every request a body of its own (a Lua counter in the eventId).
 */
import { spawn, spawnSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import path from 'node:path';

export interface WrkResult {
  /** requests per second, all answers */
  rate: number;
  p50Ms: number;
  p99Ms: number;
  /** answers that were not 2xx or 3xx, plus socket errors */
  bad: number;
}

export function wrkAvailable(): boolean {
  return spawnSync('wrk', ['--version']).error === undefined;
}

/** Lua long strings need no escaping: a level of '=' that the text does not contain. */
function luaString(text: string): string {
  let level = '';
  while (text.includes(`]${level}]`)) level += '=';
  return `[${level}[${text}]${level}]`;
}

/**
 * Runs `wrk -t1 -c<connections> -d<seconds>s --latency` with POSTs of `head + <unique id> + tail`
 * to `url` + `pathName`.
 */
export function runWrk(
  dir: string,
  url: string,
  pathName: string,
  body: { head: string; tail: string },
  headers: Record<string, string>,
  seconds: number,
  connections: number,
): Promise<WrkResult> {
  const script = path.join(dir, `wrk-${Date.now()}.lua`);
  // the spaces matter: `headers[[[x]]]` would read as a call of `headers` with a long string
  const headerLines = Object.entries(headers).map(([name, value]) => `headers[ ${luaString(name)} ] = ${luaString(value)}`);
  writeFileSync(
    script,
    [
      'local counter = 0',
      'local headers = {}',
      ...headerLines,
      `local run = ${luaString(`wrk${process.pid}-${Date.now()}-`)}`,
      'request = function()',
      '  counter = counter + 1',
      `  return wrk.format("POST", ${luaString(pathName)}, headers, ${luaString(body.head)} .. run .. counter .. ${luaString(body.tail)})`,
      'end',
    ].join('\n'),
  );
  return new Promise((resolve, reject) => {
    const child = spawn('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', '-s', script, url], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (out += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code !== 0) return reject(new Error(`wrk exited with ${code}: ${out.slice(-300)}`));
      const number = (pattern: RegExp) => Number(pattern.exec(out)?.[1] ?? Number.NaN);
      const ms = (percent: string) => {
        const match = new RegExp(`^\\s*${percent}%\\s+([\\d.]+)(us|ms|s)`, 'm').exec(out);
        if (!match) return Number.NaN;
        return Number(match[1]) * ({ us: 0.001, ms: 1, s: 1000 } as Record<string, number>)[match[2]!]!;
      };
      const errors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(out);
      resolve({
        rate: number(/Requests\/sec:\s+([\d.]+)/),
        p50Ms: ms('50'),
        p99Ms: ms('99'),
        bad: (number(/Non-2xx or 3xx responses: (\d+)/) || 0) + (errors ? errors.slice(1).reduce((sum, n) => sum + Number(n), 0) : 0),
      });
    });
  });
}
