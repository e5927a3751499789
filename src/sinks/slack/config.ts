import { z } from 'zod';
import { commonSinkFields, reactionsField } from '../common-config';
import { NAME_MAX } from './limits';

/** a channel id (C…, G…, D…) or `#name` */
const CHANNEL = /^(?:[CGD][A-Z0-9]{6,}|#[^\s#]{1,80})$/;
/** incoming webhooks: `<origin>/services/T…/B…/<secret>` */
const WEBHOOK_URL = /^https?:\/\/[^/]+\/services\/[A-Za-z0-9]+\/[A-Za-z0-9]+\/[A-Za-z0-9]+\/?$/;
const slackUsers = () => z.array(z.string().regex(/^[UW][A-Z0-9]{2,}$/, 'a Slack user id such as U024BE7LH')).min(1).optional();
const httpUrl = () => z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });

export const slackSinkConfigSchema = z
  .object({
    type: z.literal('slack'),
    ...commonSinkFields,
    /** bot mode: the Bot User OAuth Token (xoxb-…), scope chat:write */
    token: z.string().min(1).optional(),
    /** bot mode: channel id, or `#name` resolved once at start */
    channel: z.string().regex(CHANNEL, 'must be a channel id (C0123ABCD) or #name').optional(),
    /** bot mode: Web API base, default https://slack.com/api/ */
    apiUrl: httpUrl().optional(),
    /** bot mode, needs chat:write.customize: default the message author's name */
    username: z.string().min(1).max(NAME_MAX).optional(),
    /** bot mode, needs chat:write.customize: default the message author's avatar */
    iconUrl: httpUrl().optional(),
    /** incoming-webhook mode instead of token + channel */
    webhookUrl: httpUrl().regex(WEBHOOK_URL, 'must look like https://hooks.slack.com/services/T…/B…/…').optional(),
    /** link and media previews */
    unfurl: z.boolean().default(false),
    /** let `<@U…>`, `<!here>`… in templates ping */
    allowMentions: z.boolean().default(false),
    /** moderation from chat: Slack user ids (U…) allowed to act on abuse report cards */
    moderators: slackUsers(),
    /** acting from chat (bot mode): Slack user ids allowed to reply, react and follow back */
    actors: slackUsers(),
    /** acting from chat: the reaction buttons of note cards */
    reactions: reactionsField,
    /** moderation from chat: the app's signing secret (Basic Information → App Credentials) */
    signingSecret: z.string().min(1).optional(),
    /** moderation from chat: the workspace (T…, or E… on Enterprise Grid); clicks from any other are refused */
    teamId: z.string().regex(/^[TE][A-Z0-9]{2,}$/, 'a Slack workspace id such as T024BE7LD').optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    const bot = config.token !== undefined || config.channel !== undefined;
    if (config.webhookUrl !== undefined && bot) {
      ctx.addIssue({ code: 'custom', path: ['webhookUrl'], message: 'set either webhookUrl (incoming webhook) or token + channel (bot), not both' });
    } else if (config.webhookUrl === undefined && !bot) {
      ctx.addIssue({ code: 'custom', path: [], message: 'set token + channel (bot) or webhookUrl (incoming webhook)' });
    } else if (bot && config.token === undefined) {
      ctx.addIssue({ code: 'custom', path: ['token'], message: 'token is required with channel' });
    } else if (bot && config.channel === undefined) {
      ctx.addIssue({ code: 'custom', path: ['channel'], message: 'channel is required with token' });
    }
    const lists = config.moderators !== undefined || config.actors !== undefined;
    if (lists !== (config.signingSecret !== undefined)) {
      const missing = lists ? 'signingSecret' : 'moderators';
      ctx.addIssue({ code: 'custom', path: [missing], message: `moderation and acting from chat need signingSecret and moderators or actors (${missing} is missing)` });
    }
    if (config.actors !== undefined && config.token === undefined) {
      ctx.addIssue({ code: 'custom', path: ['actors'], message: 'acting from chat needs bot mode (token + channel): the reply form is opened with the bot token' });
    }
    if ((config.moderators !== undefined || config.actors !== undefined) && config.teamId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['teamId'], message: 'moderation and acting from chat need teamId: the id of the workspace (T…, shown by auth.test or in the workspace URL)' });
    }
    if (config.webhookUrl !== undefined) {
      for (const key of ['apiUrl', 'username', 'iconUrl'] as const) {
        if (config[key] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [key], message: `${key} applies to bot mode (token + channel) only` });
        }
      }
    }
  });

export type SlackSinkConfig = z.infer<typeof slackSinkConfigSchema>;
