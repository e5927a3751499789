import express, { type Request, type Response, type Router } from 'express';
import { dropDeadLetters, pauseSinkIn, resumeSinkIn, retryDeadLetters } from './operator';
import type { Config } from '../config';
import type { OperatorAction, OpsStore } from './ops-store';

/** Dead letters one request may name. */
const IDS_MAX = 1000;

class ActionError extends Error {}

/** who acted: the page has one token, so the address the request came from */
function actorOf(request: Request): string {
  return `ops page (${request.ip ?? 'unknown address'})`;
}

function idsOf(body: unknown): string[] {
  const ids = (body as { ids?: unknown } | undefined)?.ids;
  if (!Array.isArray(ids) || ids.length === 0 || ids.length > IDS_MAX || !ids.every((id) => typeof id === 'string')) {
    throw new ActionError(`name the dead letters: "ids", 1 to ${IDS_MAX} of them`);
  }
  return ids as string[];
}

/**
 * The page's buttons: what `sink pause|resume` and `dlq retry|drop` do, through the same
 * functions, each recorded in the audit log whatever came of it.
 */
export function actionRoutes(store: OpsStore, config: Pick<Config, 'sinks'>): Router {
  const router = express.Router();
  router.use(express.json({ limit: '64kb' }));

  const act = (action: OperatorAction['action'], run: (request: Request) => Promise<{ sink: string; ids?: string[]; detail: string }>) => async (request: Request, response: Response) => {
    const entry = { at: Date.now(), platform: 'ops' as const, action, actor: actorOf(request) };
    try {
      const done = await run(request);
      await store.audit.append({ ...entry, ...done, outcome: 'done' });
      response.json({ message: done.detail });
    } catch (error) {
      const detail = (error as Error).message;
      await store.audit.append({ ...entry, sink: String(request.params.name ?? ''), outcome: 'failed', detail });
      response.status(error instanceof ActionError || /^no sink named/.test(detail) ? 400 : 500).json({ error: detail });
    }
  };

  router.post(
    '/api/sinks/:name/pause',
    act('sink-pause', async (request) => {
      const sink = String(request.params.name);
      return { sink, detail: await pauseSinkIn(store, config, sink, actorOf(request)) };
    }),
  );
  router.post(
    '/api/sinks/:name/resume',
    act('sink-resume', async (request) => {
      const sink = String(request.params.name);
      return { sink, detail: await resumeSinkIn(store, config, sink) };
    }),
  );
  const onLetters = (handle: (ids: string[]) => Promise<string>) => async (request: Request) => {
    const ids = idsOf(request.body);
    const letters = new Set(ids);
    const sinks = new Set((await store.deadLetters.list()).filter((letter) => letters.has(letter.id)).map((letter) => letter.sink));
    return { sink: [...sinks].join(', '), ids, detail: await handle(ids) };
  };
  router.post('/api/dead/replay', act('dlq-replay', onLetters((ids) => retryDeadLetters(store, { ids }))));
  router.post('/api/dead/discard', act('dlq-discard', onLetters((ids) => dropDeadLetters(store, { ids }))));
  return router;
}
