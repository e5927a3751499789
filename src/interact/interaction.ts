/** What the interaction endpoints read of a platform's request, and how they answer it. */

export interface DiscordUser {
  id?: unknown;
  username?: unknown;
  global_name?: unknown;
}

/** The parts of an interaction the bridge reads. */
export interface DiscordInteraction {
  id?: unknown;
  type?: unknown;
  token?: unknown;
  application_id?: unknown;
  guild_id?: unknown;
  channel_id?: unknown;
  data?: { custom_id?: unknown; components?: unknown };
  member?: { user?: DiscordUser; roles?: unknown };
  user?: DiscordUser;
  message?: { id?: unknown; content?: unknown; embeds?: unknown; components?: unknown };
}

/** The HTTP answer, and the work that follows it (the edit of the card). */
export interface InteractionAnswer {
  status: number;
  body?: unknown;
  after?: () => Promise<void>;
}
