import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { resolveConfig } from '../config';

export interface LoginOptions {
  config?: string;
  /** ask for read:chat even when no configured stream source reads chat */
  chat?: boolean;
  /** how often the approval is asked for */
  pollMs?: number;
  /** give up after this long */
  timeoutMs?: number;
  print?: (line: string) => void;
}

/** What a stream source needs: the socket (read:account), backfill (read:notifications), chat. */
export function permissionsFor(chat: boolean): string[] {
  return ['read:account', 'read:notifications', ...(chat ? ['read:chat'] : [])];
}

/**
 * `login <server>`: Misskey's MiAuth flow. Prints the page to open, waits until the account
 * approves it there, and returns the token to put in the environment. Asks only for what the
 * configured stream sources need.
 */
export async function loginCommand(server: string, options: LoginOptions = {}): Promise<string> {
  const origin = checkedOrigin(server);
  const print = options.print ?? ((line: string) => console.error(line));
  const permissions = permissionsFor(options.chat === true || configuredChat(origin, options.config));
  const session = randomUUID();
  const page = new URL(`/miauth/${session}`, origin);
  page.searchParams.set('name', 'misskey-bridge');
  page.searchParams.set('permission', permissions.join(','));
  print(`Open this page, signed in as the account to read, and allow access (${permissions.join(', ')}):\n\n  ${page.href}\n\nWaiting for the approval…`);

  const deadline = Date.now() + (options.timeoutMs ?? 10 * 60_000);
  while (Date.now() < deadline) {
    const token = await check(origin, session);
    if (token) return `Approved. Put the token in the environment of the bridge, e.g.\n\n  export MISSKEY_STREAM_TOKEN=${token}\n\nand name it in config.yaml: sources.<name>.stream.token: "\${MISSKEY_STREAM_TOKEN}"`;
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 2000));
  }
  throw new Error('no approval in time; run login again');
}

async function check(origin: string, session: string): Promise<string | null> {
  try {
    const response = await fetch(new URL(`/api/miauth/${session}/check`, origin), {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
      signal: AbortSignal.timeout(10_000),
    });
    const answer = (await response.json()) as { ok?: unknown; token?: unknown };
    return answer.ok === true && typeof answer.token === 'string' ? answer.token : null;
  } catch {
    // not approved yet, or the server is briefly away: ask again
    return null;
  }
}

/** https, or http to a loopback address: the token comes back in the answer. */
function checkedOrigin(server: string): string {
  const url = new URL(/^https?:\/\//.test(server) ? server : `https://${server}`);
  const loopback = url.hostname === 'localhost' || url.hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(url.hostname);
  if (url.protocol !== 'https:' && !loopback) throw new Error('the token would cross the network in clear: use https (http only to a loopback address)');
  return url.origin;
}

/** Whether a configured stream source on this server reads chat. */
function configuredChat(origin: string, configFile: string | undefined): boolean {
  if (configFile === undefined && !existsSync('./config.yaml')) return false;
  // the token is not in the environment yet (that is why we log in): unset variables read as a stand-in
  const env = new Proxy(process.env, { get: (vars, name) => (typeof name === 'string' ? vars[name] || 'not-set-yet' : undefined) });
  const { config } = resolveConfig(configFile, env);
  return Object.values(config.sources).some((source) => source.stream?.chat && new URL(source.stream.server).origin === origin);
}
