import { createServer, type Server } from 'node:http';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { ServerSettings } from './settings';
import type { IngestAnswer, InboundRequest } from './inbound';
import type { Logger } from '../observe/logger';
import { IngestError, STATUS_OF } from './errors';

export interface WebhookAnswer {
  source: string;
  /** event type, or "-" when the request was refused before it was read */
  type: string;
  /** stored, duplicate, unknown_type, or the refusal's kind */
  outcome: string;
  status: number;
  seconds: number;
}

export interface ReceiverDeps {
  ingest: (request: InboundRequest) => Promise<IngestAnswer>;
  /** checks the source and its secret from the headers alone; throws an IngestError to refuse */
  authorize: (request: Pick<InboundRequest, 'source' | 'secret'>) => void;
  bodyLimit: number;
  logger: Logger;
  /** null when ready, else why not */
  readiness: () => Promise<{ ready: boolean; checks: Record<string, string> }>;
  metrics: () => Promise<{ contentType: string; body: string }>;
  /** observes each webhook answer */
  observe?: (answer: WebhookAnswer) => void;
  /** moderation from chat: the interaction endpoints (src/interact/http.ts) */
  interactions?: express.Router;
  /** `/readyz` and `/metrics` are served on a port of their own (`server.metrics`), not here */
  statusElsewhere?: boolean;
}

/** The HTTP edge: Express turns requests into `ingest` calls and typed errors into statuses. */
export function createReceiver(deps: ReceiverDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.post(
    '/hooks/:source',
    (req: Request<{ source: string }>, res: Response, next: NextFunction) => {
      res.locals.started = process.hrtime.bigint();
      try {
        deps.authorize({ source: req.params.source, secret: req.get('x-misskey-hook-secret') });
      } catch (error) {
        // the body is never read: the connection closes instead of draining it
        res.set('Connection', 'close');
        return observeAnswer(req, res, handleRefusal(error, res, deps.logger, req.params.source), deps);
      }
      next();
    },
    // Any content type: Misskey before 13.11 sent JSON as text/plain.
    express.raw({ type: () => true, limit: deps.bodyLimit }),
    async (req: Request<{ source: string }>, res: Response) => observeAnswer(req, res, await answer(req, res, deps), deps),
  );

  if (deps.interactions) app.use(deps.interactions);

  app.get('/healthz', healthz);
  if (!deps.statusElsewhere) app.use(statusRoutes(deps));
  app.use(notFound);

  app.use((error: Error & { status?: number; type?: string }, req: Request, res: Response, _next: NextFunction) => {
    const status = error.type === 'entity.too.large' ? 413 : error.status && error.status < 500 ? error.status : 500;
    if (status >= 500) deps.logger.error({ err: error, path: req.path }, 'request failed');
    else deps.logger.warn({ path: req.path, status, reason: error.message }, 'request refused');
    const message = status === 413 ? `the body is larger than the limit of ${deps.bodyLimit} bytes` : status >= 500 ? 'internal error' : error.message;
    res.status(status).json({ error: message });
  });

  return app;
}

const healthz = (_req: Request, res: Response) => {
  res.json({ status: 'ok' });
};

const notFound = (_req: Request, res: Response) => {
  res.status(404).json({ error: 'not found' });
};

/** `/readyz` and `/metrics`: what an operator's monitoring reads, and nobody else needs. */
function statusRoutes(deps: Pick<ReceiverDeps, 'readiness' | 'metrics'>): express.Router {
  const router = express.Router();
  router.get('/readyz', async (_req, res) => {
    const { ready, checks } = await deps.readiness();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });
  router.get('/metrics', async (_req, res) => {
    const { contentType, body } = await deps.metrics();
    res.type(contentType).send(body);
  });
  return router;
}

/** The status port of `server.metrics`: `/healthz`, `/readyz` and `/metrics` only. */
export function createStatusApp(deps: Pick<ReceiverDeps, 'readiness' | 'metrics'>): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.get('/healthz', healthz);
  app.use(statusRoutes(deps));
  app.use(notFound);
  return app;
}

type Answered = Pick<WebhookAnswer, 'type' | 'outcome' | 'status'>;

async function answer(req: Request<{ source: string }>, res: Response, deps: ReceiverDeps): Promise<Answered> {
  const { logger } = deps;
  const source = req.params.source;
  try {
    const outcome = await deps.ingest({
      source,
      secret: req.get('x-misskey-hook-secret'),
      misskeyHost: req.get('x-misskey-host'),
      body: Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0),
    });
    const { event } = outcome;
    const type = event.type === 'unknown' ? 'unknown' : event.type;
    if (outcome.result === 'duplicate') {
      logger.info({ source, eventId: event.id, type }, 'duplicate event ignored');
      res.status(204).end();
      return { type, outcome: 'duplicate', status: 204 };
    }
    if (!outcome.knownType) {
      logger.warn({ source, eventId: event.id, type: event.type === 'unknown' ? event.unknownType : type, jobs: outcome.jobs }, 'unknown event type accepted');
      res.status(202).json({ status: 'accepted', note: 'unknown event type: stored and routed to routes that list it or "*"' });
      return { type, outcome: 'unknown_type', status: 202 };
    }
    // debug: at info a busy server would log every webhook (the metrics count them)
    logger.debug({ source, eventId: event.id, type, jobs: outcome.jobs }, 'event accepted');
    res.status(204).end();
    return { type, outcome: 'stored', status: 204 };
  } catch (error) {
    return handleRefusal(error, res, logger, source);
  }
}

function observeAnswer(req: Request<{ source: string }>, res: Response, result: Answered, deps: ReceiverDeps): void {
  const seconds = Number(process.hrtime.bigint() - (res.locals.started as bigint)) / 1e9;
  deps.observe?.({ source: req.params.source, ...result, seconds });
}

function handleRefusal(error: unknown, res: Response, logger: Logger, source: string): Answered {
  if (!(error instanceof IngestError)) {
    logger.error({ source, err: error }, 'ingest failed');
    res.status(500).json({ error: 'internal error' });
    return { type: '-', outcome: 'error', status: 500 };
  }
  const status = STATUS_OF[error.kind];
  logger.warn({ source, status, reason: error.message, details: error.details }, 'webhook refused');
  if (status === 503) res.set('Retry-After', '5');
  res.status(status).json({ error: error.message, ...(error.details.length > 0 ? { details: error.details } : {}) });
  return { type: '-', outcome: error.kind, status };
}

/**
 * Listens with the limits of `server:`: a request's headers and its body each have their own
 * time, idle kept-alive connections are closed, and connections past the cap are refused.
 */
export function listen(app: express.Express, settings: ServerSettings): Promise<Server> {
  const server = createServer(
    {
      headersTimeout: settings.headersTimeout,
      requestTimeout: settings.headersTimeout + settings.bodyTimeout,
      // how often Node looks for requests past their time; its default (30 s) would let them run that much longer
      connectionsCheckingInterval: Math.min(1000, settings.headersTimeout / 2),
    },
    app,
  );
  server.keepAliveTimeout = settings.keepAliveTimeout;
  server.maxConnections = settings.maxConnections;
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(settings.port, settings.host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
