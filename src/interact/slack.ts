import type { Logger } from '../observe/logger';
import { ACTIONS_BLOCK_ID, linkButton } from '../sinks/slack/actions';
import { escapeMrkdwn } from '../sinks/slack/mrkdwn';
import type { Wording } from '../render/catalog';
import { parseActionId } from '../sinks/actions';
import { outcomeLine, outcomeReason } from './wording';
import type { InteractionAnswer } from './discord';
import type { ActOutcome, Moderation } from './moderate';

/** The parts of a Slack `block_actions` payload the bridge reads. */
export interface SlackInteraction {
  type?: unknown;
  user?: { id?: unknown; username?: unknown; name?: unknown };
  actions?: { action_id?: unknown; action_ts?: unknown }[];
  response_url?: unknown;
  message?: { text?: unknown; blocks?: unknown };
  team?: { id?: unknown };
  channel?: { id?: unknown; name?: unknown };
}

export interface SlackContext {
  sink: string;
  /** where the sink's cards are: its workspace, and its channel (an id, or `#name`) when it posts with a token */
  place: { teamId: string; channel?: string };
  moderation: Moderation;
  logger: Logger;
  /** origins a response_url may point at: Slack's, and the configured apiUrl's (a test double) */
  responseOrigins: readonly string[];
  /** the sink's words */
  wording: Wording;
  timeoutMs?: number;
}

export const SLACK_RESPONSE_ORIGIN = 'https://hooks.slack.com';

/** The key a replayed interaction is recognised by: who clicked, and when Slack says they did. */
export function slackReplayKey(payload: SlackInteraction): string | undefined {
  const action = payload.actions?.[0];
  if (typeof payload.user?.id !== 'string' || typeof action?.action_ts !== 'string') return undefined;
  return `slack:${payload.user.id}:${action.action_ts}`;
}

/**
 * A verified `block_actions` payload → an empty 200 at once; the answer (a refusal only the
 * clicker sees, or the card's update) goes to the payload's response_url.
 */
export async function answerSlack(payload: SlackInteraction, ctx: SlackContext): Promise<InteractionAnswer> {
  if (payload.type !== 'block_actions') return { status: 200 };
  const action = payload.actions?.[0];
  const parsed = parseActionId(action?.action_id);
  // the link button also reports a click: nothing to do
  if (!parsed) return { status: 200 };
  const userId = payload.user?.id;
  const responseUrl = typeof payload.response_url === 'string' ? payload.response_url : undefined;
  if (typeof userId !== 'string' || !responseUrl || !ctx.responseOrigins.some((origin) => responseUrl.startsWith(`${origin}/`))) {
    ctx.logger.warn({ sink: ctx.sink }, 'Slack interaction without a user or a usable response_url: ignored');
    return { status: 200 };
  }
  const name = typeof payload.user?.username === 'string' ? payload.user.username : typeof payload.user?.name === 'string' ? payload.user.name : undefined;
  const request = { platform: 'slack' as const, sink: ctx.sink, ...parsed, actor: { id: userId, name } };
  const respond = async (body: unknown) => {
    try {
      const response = await fetch(responseUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(ctx.timeoutMs ?? 10_000),
        redirect: 'error',
      });
      if (!response.ok) ctx.logger.warn({ sink: ctx.sink, status: response.status }, 'Slack refused the answer to an interaction');
    } catch (error) {
      ctx.logger.warn({ sink: ctx.sink, reason: (error as Error).message }, 'cannot answer a Slack interaction');
    }
  };
  const whisper = (text: string) => respond({ response_type: 'ephemeral', replace_original: false, text });
  const elsewhere = wrongPlace(payload, ctx.place);
  if (elsewhere || !ctx.moderation.allowed(ctx.sink, request.actor)) {
    return {
      status: 200,
      after: async () => {
        await ctx.moderation.refuse(request, elsewhere);
        await whisper(ctx.wording.text(elsewhere ? 'card.elsewhere' : 'card.notAllowed'));
      },
    };
  }
  return {
    status: 200,
    after: async () => {
      const outcome = await ctx.moderation.act(request);
      if (outcome.kind === 'duplicate' || outcome.kind === 'refused') return whisper(ctx.wording.text('card.nothingDone', { reason: outcomeReason(ctx.wording, outcome) }));
      await respond({ replace_original: true, ...updatedCard(payload.message ?? {}, outcome, userId, parsed.action, ctx.wording) });
    },
  };
}

/** the app may be installed in other workspaces, and its signature is the same there */
function wrongPlace(payload: SlackInteraction, place: SlackContext['place']): string | undefined {
  if (payload.team?.id !== place.teamId) return `clicked in another workspace (${String(payload.team?.id)})`;
  const { channel } = place;
  if (channel === undefined) return undefined;
  const here = channel.startsWith('#') ? payload.channel?.name === channel.slice(1) : payload.channel?.id === channel;
  return here ? undefined : `clicked in another channel (${String(payload.channel?.id)})`;
}

type Block = Record<string, unknown> & { block_id?: unknown; elements?: unknown };

/** The card once acted on: a context line saying who did what when (or what Misskey answered). */
export function updatedCard(
  message: NonNullable<SlackInteraction['message']>,
  outcome: ActOutcome,
  userId: string,
  action: 'resolve' | 'forward',
  wording: Wording,
) {
  const blocks = Array.isArray(message.blocks) ? (message.blocks as Block[]) : [];
  const actions = blocks.find((block) => block.block_id === ACTIONS_BLOCK_ID);
  const rest = blocks.filter((block) => block !== actions && block.block_id !== STATUS_BLOCK_ID);
  let line: string;
  let tail: Block[];
  if (outcome.kind === 'done') {
    const seconds = Math.floor(outcome.at / 1000);
    const when = `<!date^${seconds}^{date_short_pretty} {time}|${escapeMrkdwn(wording.date(outcome.at))}>`;
    line = `${outcomeLine(wording, outcome, action, `<@${userId}>`)} · ${when}`;
    const link = linkButton(openUrl(actions), wording.text('card.open'));
    tail = link ? [{ type: 'actions', block_id: ACTIONS_BLOCK_ID, elements: [link] }] : [];
  } else {
    line = `⚠️ ${wording.text('card.notResolved', { reason: escapeMrkdwn(outcomeReason(wording, outcome)) })}`;
    tail = actions ? [actions] : [];
  }
  const status: Block = { type: 'context', block_id: STATUS_BLOCK_ID, elements: [{ type: 'mrkdwn', text: line.slice(0, 3000) }] };
  return { text: typeof message.text === 'string' ? message.text : wording.text('card.abuseReport'), blocks: [...rest.slice(0, 48), status, ...tail] };
}

const STATUS_BLOCK_ID = 'mkb-status';

function openUrl(block: Block | undefined): string | undefined {
  const elements = Array.isArray(block?.elements) ? (block.elements as { url?: unknown }[]) : [];
  const url = elements.find((element) => typeof element.url === 'string')?.url;
  return typeof url === 'string' ? url : undefined;
}
