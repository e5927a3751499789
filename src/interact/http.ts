import express, { type Request, type Response } from 'express';
import type { KeyObject } from 'node:crypto';
import type { Config } from '../config';
import type { Logger } from '../observe/logger';
import type { ClaimStore } from '../store/audit';
import type { Wording } from '../render/catalog';
import { resolveTarget } from '../sinks/discord/target';
import { DEFAULT_API_URL } from '../sinks/slack/limits';
import { answerDiscord, type DiscordInteraction, type InteractionAnswer } from './discord';
import type { Acting } from './act';
import type { Moderation } from './moderate';
import { answerSlack, SLACK_RESPONSE_ORIGIN, slackReplayKey, type SlackInteraction } from './slack';
import { discordPublicKey, SIGNATURE_WINDOW_MS, verifyDiscord, verifySlack, type Verified } from './verify';

/** An interaction id is remembered this long: longer than the window in which its signature is accepted. */
export const REPLAY_MEMORY_MS = 2 * SIGNATURE_WINDOW_MS;

export interface InteractionDeps {
  config: Config;
  claims: ClaimStore;
  logger: Logger;
  now: () => number;
  moderation: Moderation;
  acting: Acting;
  bodyLimit: number;
  /** a sink's words: the answers a moderator sees are in its language */
  wording: (sink: string) => Wording;
}

export interface Interactions {
  router: express.Router;
  /** waits for the answers still being sent (card edits) */
  drain(): Promise<void>;
}

/**
 * The interaction endpoints: verify → remember (replays refused) → parse → authorize → act →
 * answer. Anything unsigned, badly signed, stale or replayed is answered 401 and nothing is done.
 */
export function interactionRoutes(deps: InteractionDeps): Interactions {
  const { config, logger } = deps;
  const log = logger.child({ component: 'interactions' });
  const router = express.Router();
  const raw = express.raw({ type: () => true, limit: deps.bodyLimit });
  const pending = new Set<Promise<void>>();
  const keys = new Map<string, KeyObject>();
  for (const [name, sink] of Object.entries(config.sinks)) {
    if (sink.type === 'discord' && sink.publicKey) keys.set(name, discordPublicKey(sink.publicKey));
  }

  const refuse = (res: Response, sink: string, platform: string, reason: string) => {
    log.warn({ sink, platform, reason }, 'interaction refused');
    res.status(401).json({ error: 'invalid request signature' });
  };

  /** after a verified request: refuses a replay, answers, then runs the work that follows the answer */
  const handle = async (res: Response, sink: string, platform: string, replayKey: string | undefined, answer: () => Promise<InteractionAnswer>) => {
    if (!replayKey) {
      res.status(400).json({ error: 'the interaction carries no id' });
      return;
    }
    let first: boolean;
    try {
      first = await deps.claims.claim(`interaction:${replayKey}`, deps.now(), REPLAY_MEMORY_MS);
    } catch (error) {
      log.error({ err: error, sink }, 'cannot record the interaction');
      res.status(503).json({ error: 'store unavailable' });
      return;
    }
    if (!first) return refuse(res, sink, platform, 'replayed interaction');
    const answered = await answer();
    if (answered.body === undefined) res.status(answered.status).end();
    else res.status(answered.status).json(answered.body);
    if (answered.after) {
      const work = answered.after().catch((error: unknown) => log.error({ err: error, sink }, 'interaction work failed'));
      pending.add(work);
      void work.finally(() => pending.delete(work));
    }
  };

  const body = (req: Request): Buffer => (Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0));

  router.post('/interactions/discord/:sink', raw, async (req: Request<{ sink: string }>, res: Response) => {
    const name = req.params.sink;
    const sink = config.sinks[name];
    const key = keys.get(name);
    if (!key || sink?.type !== 'discord') {
      res.status(404).json({ error: 'no sink with moderation from Discord by that name' });
      return;
    }
    const raw = body(req);
    const verified: Verified = verifyDiscord(key, req.get('x-signature-ed25519'), req.get('x-signature-timestamp'), raw, deps.now());
    if (!verified.ok) return refuse(res, name, 'discord', verified.reason);
    let interaction: DiscordInteraction;
    try {
      interaction = JSON.parse(raw.toString('utf8')) as DiscordInteraction;
    } catch {
      res.status(400).json({ error: 'the body is not JSON' });
      return;
    }
    const id = typeof interaction.id === 'string' ? `discord:${interaction.id}` : undefined;
    await handle(res, name, 'discord', id, () =>
      answerDiscord(interaction, {
        sink: name,
        place: { guildId: sink.guildId ?? '', channelId: sink.threadId ?? sink.channelId ?? '' },
        apiBase: discordApiBase(sink),
        moderation: deps.moderation,
        ...(sink.actors ? { acting: deps.acting } : {}),
        reactions: sink.reactions,
        logger: log,
        wording: deps.wording(name),
      }),
    );
  });

  router.post('/interactions/slack/:sink', raw, async (req: Request<{ sink: string }>, res: Response) => {
    const name = req.params.sink;
    const sink = config.sinks[name];
    if (sink?.type !== 'slack' || !sink.signingSecret) {
      res.status(404).json({ error: 'no sink with moderation from Slack by that name' });
      return;
    }
    const raw = body(req);
    const verified = verifySlack(sink.signingSecret, req.get('x-slack-signature'), req.get('x-slack-request-timestamp'), raw, deps.now());
    if (!verified.ok) return refuse(res, name, 'slack', verified.reason);
    let payload: SlackInteraction;
    try {
      payload = JSON.parse(new URLSearchParams(raw.toString('utf8')).get('payload') ?? '') as SlackInteraction;
    } catch {
      res.status(400).json({ error: 'the body carries no JSON payload' });
      return;
    }
    const origins = [SLACK_RESPONSE_ORIGIN, ...(sink.apiUrl ? [new URL(sink.apiUrl).origin] : [])];
    await handle(res, name, 'slack', slackReplayKey(payload), () =>
      answerSlack(payload, {
        sink: name,
        place: { teamId: sink.teamId ?? '', channel: sink.channel },
        moderation: deps.moderation,
        ...(sink.actors && sink.token ? { acting: { acting: deps.acting, reactions: sink.reactions, token: sink.token, apiUrl: sink.apiUrl ?? DEFAULT_API_URL } } : {}),
        logger: log,
        responseOrigins: origins,
        wording: deps.wording(name),
      }),
    );
  });

  return {
    router,
    async drain() {
      await Promise.allSettled([...pending]);
    },
  };
}

/** The API base a Discord sink talks to (its apiBase, else Discord's). */
function discordApiBase(sink: Extract<Config['sinks'][string], { type: 'discord' }>): string {
  return resolveTarget(sink).apiBase;
}
