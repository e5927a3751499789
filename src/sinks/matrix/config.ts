import { z } from 'zod';
import { commonSinkFields, reactionsField } from '../common-config';

/** A room id (`!opaque:server`, or `!opaque` from room version 12) or an alias (`#name:server`). */
const ROOM = /^(![^\s]+|#[^\s:]+:[^\s]+)$/;

const matrixUsers = () => z.array(z.string().regex(/^@[^\s:]+:\S+$/, 'must be a Matrix user id such as @mod:example.org')).min(1).optional();

export const matrixSinkSchema = z
  .object({
    type: z.literal('matrix'),
    ...commonSinkFields,
    /** base URL of the Client-Server API, e.g. https://matrix.example.org */
    homeserver: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL such as https://matrix.example.org' }),
    accessToken: z.string().min(1),
    room: z.string().regex(ROOM, 'must be a room id (!abc:example.org) or an alias (#ops:example.org)'),
    /** m.notice is the bot convention: clients and other bots never answer notices */
    msgtype: z.enum(['m.notice', 'm.text']).default('m.notice'),
    allowMentions: z.boolean().default(false),
    /** join the room at start (and once after a 403) when the bot is invited or the room is public */
    autoJoin: z.boolean().default(true),
    /** moderation from chat: the Matrix user ids whose reactions on abuse report cards count */
    moderators: matrixUsers(),
    /** acting from chat: the Matrix user ids whose replies and reactions on note cards count */
    actors: matrixUsers(),
    /** acting from chat: the reaction keys that react to the note at Misskey */
    reactions: reactionsField,
  })
  .strict();

export type MatrixSinkConfig = z.output<typeof matrixSinkSchema>;
