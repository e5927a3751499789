import type express from 'express';
import type { Config } from '../config';
import type { Logger } from '../observe/logger';
import type { AuditStore, ClaimStore } from '../store/audit';
import type { Job } from '../store/jobs';
import type { Delivery, Sink } from '../deliver/sink';
import type { Wording } from '../render/catalog';
import { Acting } from './act';
import { actingSink, cardActionsFor, moderatedSink } from './cards';
import { interactionRoutes } from './http';
import { MatrixModerationListener } from './matrix';
import { MisskeyAccount } from './misskey-account';
import { MisskeyAdmin } from './misskey-admin';
import { Moderation } from './moderate';

export interface RunningModeration {
  /** the interaction endpoints, when a sink is moderated or acted from */
  router?: express.Router;
  cardActions: (sink: Sink, jobs: Job[]) => Pick<Delivery, 'actions' | 'account'>;
  stop(): Promise<void>;
}

/** Moderation and acting from chat, wired from the config: nothing runs unless a sink lists moderators or actors. */
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
  const accounts = new Map<string, MisskeyAccount>();
  for (const [name, source] of Object.entries(config.sources)) {
    if (source.adminToken && source.server) admins.set(name, new MisskeyAdmin(source.server, source.adminToken));
    if (source.account && source.server) accounts.set(name, new MisskeyAccount(source.server, source.account.token));
  }
  const interactive = Object.entries(config.sinks).filter(([, sink]) => moderatedSink(sink) || actingSink(sink));
  const lists = (pick: (sink: Config['sinks'][string]) => readonly string[] | undefined) => {
    const found = new Map(interactive.map(([name, sink]) => [name, pick(sink)]));
    return (sink: string) => found.get(sink);
  };
  const moderators = lists((sink) => ('moderators' in sink ? sink.moderators : undefined));
  const actors = lists((sink) => ('actors' in sink ? sink.actors : undefined));
  const moderation = new Moderation({ ...deps, moderators, admin: (source) => admins.get(source) });
  const acting = new Acting({ ...deps, actors, account: (source) => accounts.get(source) });
  // Discord and Slack call the bridge; on Matrix the bridge listens to the room
  const http = interactive.some(([, sink]) => sink.type !== 'matrix')
    ? interactionRoutes({ ...deps, moderation, acting, bodyLimit: config.server.bodyLimit })
    : undefined;
  const listeners = interactive.flatMap(([name, sink]) =>
    sink.type === 'matrix' ? [new MatrixModerationListener({ sink: name, config: sink, moderation, acting, logger: deps.logger, now: deps.now, wording: () => deps.wording(name) })] : [],
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
