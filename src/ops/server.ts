import path from 'node:path';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Logger } from '../observe/logger';
import { listenPage, pageHeaders, type RunningPage } from '../web/local-server';
import { checkHost } from '../web/guard';
import { newToken, requireToken } from '../web/token';
import { actionRoutes } from './actions';
import { CsrfGuard } from './csrf';
import { findEvent } from './find';
import type { OpsStore } from './ops-store';
import { renderOpsPage } from './page';
import { readState, type OpsLive } from './state';

/** The page's own script and styles, shipped as they are. */
const PUBLIC_DIR = path.resolve(__dirname, '../../src/ops/public');
const TOKEN_NAMES = { cookie: 'ops', header: 'x-ops-token', refusal: 'token required: open the URL the bridge printed for the operations page' };
/** Nothing but this server's own files: no inline script or style, no other origin. */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

export interface OpsOptions {
  store: OpsStore;
  live: OpsLive;
  logger: Logger;
  host: string;
  port: number;
  /** default: a fresh random one */
  token?: string;
  /** how often the page gets a fresh picture */
  pushMs?: number;
  now?: () => number;
}

/** The operations page: a live view of the bridge and the buttons of `sink` and `dlq`, behind the token. */
export async function startOps(options: OpsOptions): Promise<RunningPage> {
  const { store, live, logger } = options;
  const now = options.now ?? Date.now;
  const token = options.token ?? newToken();
  const guard = new CsrfGuard(TOKEN_NAMES);
  const stream = new StateStream(async () => JSON.stringify(await readState(store, live, now())), options.pushMs ?? 1000, logger);

  const app = express();
  app.disable('x-powered-by');
  app.use(pageHeaders({ 'content-security-policy': CSP }));
  app.use(checkHost(options.host));
  app.use(requireToken(token, TOKEN_NAMES));
  app.use(guard.middleware());
  app.use('/static', express.static(PUBLIC_DIR, { index: false, dotfiles: 'deny', fallthrough: false }));

  app.get('/', (request, response) => {
    response.type('html').send(renderOpsPage(guard.tokenFor(guard.session(request) ?? '')));
  });
  app.get('/api/state', async (_request, response) => {
    response.json(await readState(store, live, now()));
  });
  app.get('/api/find', async (request, response) => {
    response.json(await findEvent(String(request.query.q ?? ''), store, live.activity, now()));
  });
  app.get('/api/stream', (request, response) => {
    // x-accel-buffering: a proxy in front (nginx) passes each update on at once
    response.set({ 'content-type': 'text/event-stream', connection: 'keep-alive', 'x-accel-buffering': 'no' }).flushHeaders();
    const stop = () => {
      stream.leave(response);
      response.end();
    };
    request.on('close', stop);
    stream.join(response);
  });
  app.use(actionRoutes(store, live.config));

  app.use((error: unknown, _request: Request, response: Response, _next: NextFunction) => {
    logger.error({ err: error }, 'operations page request failed');
    response.status(500).json({ error: (error as Error).message });
  });

  const running = await listenPage(app, options.host, options.port, token);
  return {
    ...running,
    close: () => {
      stream.close();
      return running.close();
    },
  };
}

/** One reading of the state a push, sent to every open page: the cost does not grow with the pages. */
class StateStream {
  private readonly clients = new Set<Response>();
  private timer: NodeJS.Timeout | undefined;
  private reading = false;

  constructor(
    private readonly read: () => Promise<string>,
    private readonly everyMs: number,
    private readonly logger: Logger,
  ) {}

  join(client: Response): void {
    this.clients.add(client);
    this.timer ??= setInterval(() => void this.push(), this.everyMs);
    void this.push();
  }

  leave(client: Response): void {
    this.clients.delete(client);
    if (this.clients.size > 0) return;
    clearInterval(this.timer);
    this.timer = undefined;
  }

  close(): void {
    for (const client of [...this.clients]) {
      this.leave(client);
      client.end();
    }
  }

  private async push(): Promise<void> {
    if (this.reading) return;
    this.reading = true;
    try {
      const data = await this.read();
      for (const client of this.clients) client.write(`data: ${data}\n\n`);
    } catch (error) {
      this.logger.warn({ err: error }, 'the operations page could not read the store');
    } finally {
      this.reading = false;
    }
  }
}
