import express, { type NextFunction, type Request, type Response } from 'express';
import type { IngestOutcome, InboundRequest } from '../ingest';
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
  ingest: (request: InboundRequest) => Promise<IngestOutcome>;
  bodyLimit: number;
  logger: Logger;
  /** null when ready, else why not */
  readiness: () => Promise<{ ready: boolean; checks: Record<string, string> }>;
  metrics: () => Promise<{ contentType: string; body: string }>;
  /** observes each webhook answer */
  observe?: (answer: WebhookAnswer) => void;
  /** moderation from chat: the interaction endpoints (src/interact/http.ts) */
  interactions?: express.Router;
}

/** The HTTP edge: Express turns requests into `ingest` calls and typed errors into statuses. */
export function createReceiver(deps: ReceiverDeps): express.Express {
  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);

  app.post(
    '/hooks/:source',
    // Any content type: Misskey before 13.11 sent JSON as text/plain.
    express.raw({ type: () => true, limit: deps.bodyLimit }),
    async (req: Request<{ source: string }>, res: Response) => {
      const started = process.hrtime.bigint();
      const result = await answer(req, res, deps);
      deps.observe?.({ source: req.params.source, ...result, seconds: Number(process.hrtime.bigint() - started) / 1e9 });
    },
  );

  if (deps.interactions) app.use(deps.interactions);

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });

  app.get('/readyz', async (_req, res) => {
    const { ready, checks } = await deps.readiness();
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks });
  });

  app.get('/metrics', async (_req, res) => {
    const { contentType, body } = await deps.metrics();
    res.type(contentType).send(body);
  });

  app.use((_req: Request, res: Response) => {
    res.status(404).json({ error: 'not found' });
  });

  app.use((error: Error & { status?: number; type?: string }, req: Request, res: Response, _next: NextFunction) => {
    const status = error.type === 'entity.too.large' ? 413 : error.status && error.status < 500 ? error.status : 500;
    if (status >= 500) deps.logger.error({ err: error, path: req.path }, 'request failed');
    else deps.logger.warn({ path: req.path, status, reason: error.message }, 'request refused');
    const message = status === 413 ? `the body is larger than the limit of ${deps.bodyLimit} bytes` : status >= 500 ? 'internal error' : error.message;
    res.status(status).json({ error: message });
  });

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
}
