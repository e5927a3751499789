/**
 * Slack's limits (platforms.md §2.2) and the bridge's own budgets under them.
 * Lengths are JavaScript string lengths (UTF-16 units), never fewer than Slack's characters.
 */

/** blocks in one message */
export const MAX_BLOCKS = 50;
/** a section's text object */
export const SECTION_TEXT_MAX = 3000;
/** any other text object (context elements) */
export const TEXT_OBJECT_MAX = 3000;
/** a header block's plain_text */
export const HEADER_TEXT_MAX = 150;
/** elements of one context block */
export const CONTEXT_ELEMENTS_MAX = 10;
/** fields of one section */
export const SECTION_FIELDS_MAX = 10;
/** text of one field */
export const FIELD_TEXT_MAX = 2000;
/** image block / image element URL */
export const IMAGE_URL_MAX = 3000;
/** image alt text */
export const IMAGE_ALT_MAX = 2000;
/** the top-level `text`: Slack truncates beyond 40,000 */
export const MESSAGE_TEXT_MAX = 40_000;
/** the top-level `text` the bridge sends: Slack's advice, and it is only the notification fallback */
export const FALLBACK_TEXT_MAX = 4000;

/**
 * Text summed over all blocks. Slack's `msg_blocks_too_long` is undocumented: seen near 13,300 with
 * markdown blocks only and at ~11,300 with many section/header/divider blocks (bolt-js #2509, #2867),
 * so the bridge keeps well below.
 */
export const BLOCKS_TEXT_BUDGET = 10_000;

/** The bridge's choices, not Slack's limits. */
export const MAX_BATCH = 10;
/** images shown inline per message; the rest become links */
export const INLINE_IMAGES_PER_MESSAGE = 4;
/** author names and usernames are cut here (Misskey allows 50; remote servers may send more) */
export const NAME_MAX = 80;
/** the footer context line */
export const FOOTER_MAX = 300;
/** longer URLs are not linked (a link must fit a 3,000-character text object with its label) */
export const LINK_URL_MAX = 2000;
/** the context element listing image links */
export const IMAGE_LINKS_MAX = 1000;
/** per request */
export const REQUEST_TIMEOUT_MS = 10_000;

/** the Web API base unless the sink's apiUrl says otherwise */
export const DEFAULT_API_URL = 'https://slack.com/api/';
