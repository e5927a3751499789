import { z } from 'zod';
import { actorsField, commonSinkFields, moderatorsField, reactionsField } from '../common-config';
import { SNOWFLAKE, webhookUrlProblem } from './webhook-url';

const quotedId = (key: string) =>
  z
    .string({
      error: (issue) =>
        issue.input === undefined
          ? `${key} is required`
          : `${key} must be a quoted string, e.g. "123456789012345678" (YAML turns long numbers into imprecise floats)`,
    })
    .regex(SNOWFLAKE, `${key} must be a Discord id: 17 to 20 digits (Developer Mode → right-click → Copy ID)`);

export const discordSinkConfig = z
  .object({
    type: z.literal('discord'),
    ...commonSinkFields,
    /** `<origin>/api[/vN]/webhooks/<id>/<token>`; the API base comes from its origin */
    webhookUrl: z.string().optional(),
    /** bot mode: the bot's token (Developer Portal → Bot → Reset Token) */
    botToken: z.string().min(1).optional(),
    /** bot mode: the channel to post in */
    channelId: quotedId('channelId').optional(),
    /** a thread to post in: `thread_id` for a webhook, the thread channel for a bot */
    threadId: quotedId('threadId').optional(),
    /** API base overriding the default or webhook-derived one, e.g. https://discord.com/api */
    apiBase: z.url({ protocol: /^https?$/, error: 'apiBase must be an http(s) URL' }).optional(),
    /** webhook mode: name shown instead of the note author's / the webhook's */
    username: z.string().min(1).max(80).optional(),
    /** webhook mode: avatar shown instead of the note author's / the webhook's */
    avatarUrl: z.url({ protocol: /^https?$/, error: 'avatarUrl must be an http(s) URL' }).optional(),
    /** let mentions in the message notify people; off by default */
    allowMentions: z.boolean().default(false),
    /** plain messages without embeds and without link previews (SUPPRESS_EMBEDS) */
    suppressEmbeds: z.boolean().default(false),
    /** moderation from chat (bot mode): user or role ids allowed to act on abuse report cards */
    moderators: moderatorsField,
    /** acting from chat (bot mode): user or role ids allowed to reply, react and follow back */
    actors: actorsField,
    /** acting from chat: the reaction buttons of note cards */
    reactions: reactionsField,
    /** moderation and acting from chat: the server (guild) of channelId; clicks from any other are refused */
    guildId: quotedId('guildId').optional(),
    /** moderation from chat: the application's public key (Developer Portal → General Information), hex */
    publicKey: z
      .string()
      .regex(/^[0-9a-fA-F]{64}$/, 'publicKey must be the application public key: 64 hex characters')
      .optional(),
  })
  .strict()
  .superRefine((config, ctx) => {
    const webhook = config.webhookUrl !== undefined;
    const bot = config.botToken !== undefined || config.channelId !== undefined;
    if (webhook === bot) {
      ctx.addIssue({
        code: 'custom',
        path: [],
        message: webhook
          ? 'set either webhookUrl (webhook mode) or botToken + channelId (bot mode), not both'
          : 'set webhookUrl (webhook mode) or botToken + channelId (bot mode)',
      });
      return;
    }
    const lists = config.moderators !== undefined || config.actors !== undefined;
    if (lists !== (config.publicKey !== undefined)) {
      const missing = lists ? 'publicKey' : 'moderators';
      ctx.addIssue({ code: 'custom', path: [missing], message: `moderation and acting from chat need publicKey and moderators or actors (${missing} is missing)` });
    }
    if ((config.moderators !== undefined || config.actors !== undefined) && config.guildId === undefined) {
      ctx.addIssue({ code: 'custom', path: ['guildId'], message: 'moderation and acting from chat need guildId: the id of the server the channel is in (right-click the server → Copy Server ID)' });
    }
    for (const key of ['moderators', 'actors'] as const) {
      const everyone = config[key]?.findIndex((id) => id === config.guildId) ?? -1;
      if (everyone >= 0) {
        ctx.addIssue({
          code: 'custom',
          path: [key, everyone],
          message: `"${config.guildId}" is the server's id, which is also its @everyone role: every member could act. List user ids, or the id of a role`,
        });
      }
      if (webhook && config[key] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: `${key} need bot mode (botToken + channelId): webhook messages cannot carry buttons` });
      }
    }
    if (webhook) {
      const problem = webhookUrlProblem(config.webhookUrl ?? '');
      if (problem) ctx.addIssue({ code: 'custom', path: ['webhookUrl'], message: `webhookUrl ${problem}` });
      return;
    }
    if (config.botToken === undefined) ctx.addIssue({ code: 'custom', path: ['botToken'], message: 'bot mode needs botToken' });
    if (config.channelId === undefined) ctx.addIssue({ code: 'custom', path: ['channelId'], message: 'bot mode needs channelId' });
    for (const key of ['username', 'avatarUrl'] as const) {
      if (config[key] !== undefined) {
        ctx.addIssue({ code: 'custom', path: [key], message: `${key} only works with a webhook: a bot always posts as itself` });
      }
    }
  });

export type DiscordSinkConfig = z.infer<typeof discordSinkConfig>;
