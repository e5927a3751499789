/** Platform limits of Matrix (platforms.md §3.2), in the units the homeserver counts. */

/** A whole event (canonical JSON, envelope included) may not exceed this many bytes (else 413 M_TOO_LARGE). */
export const MATRIX_MAX_EVENT_BYTES = 65_536;

/**
 * What the content (JSON, UTF-8 bytes) may use: the homeserver adds the envelope (room id, sender,
 * hashes, signatures, prev/auth events), a few kilobytes at most.
 */
export const MATRIX_CONTENT_BUDGET_BYTES = 60_000;

/** Nesting depth of formatted_body tags clients accept. */
export const MATRIX_MAX_HTML_NESTING = 100;

/** Messages one event combines when the queue sends a backlog as a digest. */
export const MATRIX_MAX_BATCH = 20;

/** One request to the homeserver, start-up checks included. */
export const MATRIX_REQUEST_TIMEOUT_MS = 10_000;

/**
 * Longest message text (characters) that always fits whole: body and formatted_body share the
 * content budget, and CJK text takes 3 bytes a character. Longer text is cut by the sink.
 */
export const MATRIX_TEXT_LIMIT = 9_000;
