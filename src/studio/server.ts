import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import express, { type NextFunction, type Request, type Response } from 'express';
import type { Config } from '../config';
import type { Event } from '../normalize/event';
import type { Logger } from '../observe/logger';
import { renderMessage } from '../render/render';
import type { TemplateSet } from '../render/templates';
import { createSink } from '../sinks/registry';
import { assetRoutes } from './assets';
import { describeEvent, EventSources, PayloadError, type PayloadChoice } from './events';
import { PathError, TemplateFiles } from './files';
import { renderPage } from './page';
import { compileEdited, Previewer, problem } from './preview';
import { checkHost, checkOrigin, securityHeaders } from './guard';
import { newToken, requireToken } from './token';

export interface StudioOptions {
  config: Config;
  /** the templates the bridge uses now (hot-reloaded) */
  templates: () => TemplateSet;
  /** the last events the store accepted, newest first */
  recentEvents: (limit: number) => Promise<Event[]>;
  logger: Logger;
  host: string;
  port: number;
  /** default: a fresh random one */
  token?: string;
}

export interface RunningStudio {
  /** the page's URL, token included */
  url: string;
  /** the page's URL without the token */
  origin: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

interface EditedBody {
  path?: unknown;
  text?: unknown;
  payload?: PayloadChoice;
  sink?: unknown;
}

/** The template playground: a page, its assets and a small JSON API, every route behind the token. */
export async function startStudio(options: StudioOptions): Promise<RunningStudio> {
  const { config, logger } = options;
  const token = options.token ?? newToken();
  const files = new TemplateFiles(config.templates);
  const events = new EventSources(Object.keys(config.sources)[0]!, options.recentEvents);
  const previewer = new Previewer(config);
  const assets = assetRoutes();

  const app = express();
  app.disable('x-powered-by');
  app.use(securityHeaders(assets.importMap));
  app.use(checkHost(options.host));
  app.use(requireToken(token));
  app.use(checkOrigin);
  app.use(express.json({ limit: '1mb' }));
  app.use(assets.router);

  app.get('/', async (_request, response) => {
    response.type('html').send(
      renderPage({
        files: files.list(),
        samples: [...events.samples.keys()],
        recent: (await events.recent()).map(describeEvent),
        sinks: Object.entries(config.sinks).map(([name, sink]) => ({ name, type: sink.type })),
        importMap: assets.importMap,
      }),
    );
  });

  app.get('/api/templates', (_request, response) => {
    response.json(files.list());
  });

  app.get('/api/template', (request, response) => {
    const relative = String(request.query.path ?? '');
    response.json({ path: relative, ...files.read(relative) });
  });

  /** the edited text, compiled; answers the error (with its line) itself when it does not compile */
  const edited = (body: EditedBody, response: Response) => {
    const file = files.describe(String(body.path ?? ''));
    const text = typeof body.text === 'string' ? body.text : '';
    const compiled = compileEdited(file, text, config.render);
    if ('line' in compiled) {
      response.status(422).json({ error: compiled });
      return undefined;
    }
    return { file, text, compiled };
  };

  app.post('/api/preview', async (request, response) => {
    const body = request.body as EditedBody;
    const ok = edited(body, response);
    if (!ok) return;
    const event = await events.resolve(body.payload ?? { kind: 'sample', name: ok.file.name });
    response.json({ previews: previewer.preview(event, ok.file, ok.text, ok.compiled, options.templates()) });
  });

  app.put('/api/template', (request, response) => {
    const ok = edited(request.body as EditedBody, response);
    if (!ok) return;
    files.save(ok.file.path, ok.text);
    logger.info({ template: ok.file.path }, 'template saved from the studio');
    response.json({ saved: ok.file.path });
  });

  app.post('/api/send', async (request, response) => {
    const body = request.body as EditedBody;
    const name = String(body.sink ?? '');
    const sinkConfig = Object.hasOwn(config.sinks, name) ? config.sinks[name] : undefined;
    if (!sinkConfig) {
      response.status(404).json({ error: { message: `no sink named "${name}"` } });
      return;
    }
    const ok = edited(body, response);
    if (!ok) return;
    const event = await events.resolve(body.payload ?? { kind: 'sample', name: ok.file.name });
    const sink = createSink(name, sinkConfig, { logger });
    const templates = ok.compiled.get(ok.file.name, sink.platform) ? ok.compiled : options.templates();
    try {
      await sink.start();
      const verdict = await sink.send({ key: `studio:${event.id}:${Date.now()}`, messages: [renderMessage(event, ok.file.name, sink.platform, templates)] });
      response.json({ verdict });
    } catch (error) {
      response.json({ verdict: { kind: 'failed', reason: (error as Error).message } });
    } finally {
      await sink.close().catch(() => undefined);
    }
  });

  app.use((error: unknown, _request: Request, response: Response, _next: NextFunction) => {
    if (error instanceof PathError) response.status(400).json({ error: { message: error.message } });
    else if (error instanceof PayloadError) response.status(400).json({ error: { message: error.message, details: error.details } });
    else {
      logger.error({ err: error }, 'studio request failed');
      response.status(500).json({ error: problem(error) });
    }
  });

  const server = await new Promise<Server>((resolve, reject) => {
    const listening = app.listen(options.port, options.host, (error?: Error) => (error ? reject(error) : resolve(listening)));
  });
  const port = (server.address() as AddressInfo).port;
  const shownHost = options.host.includes(':') ? `[${options.host}]` : options.host;
  const origin = `http://${shownHost === '0.0.0.0' ? '127.0.0.1' : shownHost}:${port}`;
  return {
    url: `${origin}/?token=${token}`,
    origin,
    port,
    token,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
