import type express from 'express';
import type { Config } from '../config';
import type { Logger } from '../observe/logger';
import type { AuditStore, ClaimStore } from '../store/audit';
import type { Job } from '../store/jobs';
import type { CardActions, Sink } from '../deliver/sink';
import type { Wording } from '../render/catalog';
import { cardActionsFor, moderatedSink } from './cards';
import { interactionRoutes } from './http';
import { MatrixModerationListener } from './matrix';
import { MisskeyAdmin } from './misskey-admin';
import { Moderation } from './moderate';

export interface RunningModeration {
  /** the interaction endpoints, when a sink is moderated */
  router?: express.Router;
  cardActions: (sink: Sink, jobs: Job[]) => CardActions | undefined;
  stop(): Promise<void>;
}

/** Moderation from chat, wired from the config: nothing runs unless a sink lists moderators. */
export interface ModerationSetup {
  config: Config;
  claims: ClaimStore;
  audit: AuditStore;
  logger: Logger;
  now: () => number;
  /** a sink's words (its locale and time zone): cards, answers and notices are in its language */
  wording: (sink: string) => Wording;
}

export function startModeration(deps: ModerationSetup): RunningModeration {
  const { config } = deps;
  const admins = new Map<string, MisskeyAdmin>();
  for (const [name, source] of Object.entries(config.sources)) {
    if (source.adminToken && source.server) admins.set(name, new MisskeyAdmin(source.server, source.adminToken));
  }
  const moderated = Object.entries(config.sinks).filter(([, sink]) => moderatedSink(sink));
  const lists = new Map(moderated.map(([name, sink]) => [name, 'moderators' in sink ? (sink.moderators ?? []) : []]));
  const moderation = new Moderation({
    claims: deps.claims,
    audit: deps.audit,
    logger: deps.logger,
    now: deps.now,
    moderators: (sink) => lists.get(sink),
    admin: (source) => admins.get(source),
  });
  // Discord and Slack call the bridge; on Matrix the bridge listens to the room
  const http = moderated.some(([, sink]) => sink.type !== 'matrix') ? interactionRoutes({ ...deps, moderation, bodyLimit: config.server.bodyLimit }) : undefined;
  const listeners = moderated.flatMap(([name, sink]) =>
    sink.type === 'matrix'
      ? [new MatrixModerationListener({ sink: name, config: sink, moderation, logger: deps.logger, now: deps.now, wording: () => deps.wording(name) })]
      : [],
  );
  for (const listener of listeners) listener.start();
  return {
    router: http?.router,
    cardActions: cardActionsFor(config, deps.wording),
    async stop() {
      await Promise.all(listeners.map((listener) => listener.stop()));
      await http?.drain();
    },
  };
}
