/**
 * Discord's limits (docs.discord.com, "Embed Limits" and "Create Message"). Lengths are compared
 * with JS `.length`, which is never less than Discord's count of code points.
 */

/** `content` of a message */
export const MAX_CONTENT = 2000;
/** embeds in one message */
export const MAX_EMBEDS = 10;
export const MAX_EMBED_TITLE = 256;
export const MAX_EMBED_DESCRIPTION = 4096;
export const MAX_EMBED_FOOTER = 2048;
export const MAX_EMBED_AUTHOR_NAME = 256;
export const MAX_EMBED_FIELDS = 25;
export const MAX_FIELD_NAME = 256;
export const MAX_FIELD_VALUE = 1024;
/** title + description + field names and values + footer + author name, over all embeds of a message */
export const MAX_EMBEDS_TOTAL = 6000;
/** largest embed colour, 0xFFFFFF */
export const MAX_COLOR = 0xffffff;
/** webhook `username` override */
export const MAX_USERNAME = 80;
/** bot `nonce` */
export const MAX_NONCE = 25;
/** ids per `allowed_mentions.users` / `.roles` list */
export const MAX_ALLOWED_MENTION_IDS = 100;
/** URLs in embeds (url, image, author and footer icons) */
export const MAX_URL = 2048;

/** Not Discord's: our budget for the image links appended to a description, so the text keeps the room. */
export const MAX_IMAGE_LINKS = 1024;
/** Not Discord's: longest link label made from an image's alt text. */
export const MAX_LINK_LABEL = 100;

/** Longest message text one Discord message shows (an embed description); the sink cuts anything longer. */
export const DISCORD_TEXT_LIMIT = MAX_EMBED_DESCRIPTION;
