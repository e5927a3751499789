/** URL checks and the Misskey URLs the renderer links to. */

/**
 * The normalised URL when `raw` is an absolute http(s) URL, else null. Credentials are dropped:
 * `https://good.example@evil.example/` becomes `https://evil.example/`, showing where it leads.
 */
export function safeHttpUrl(raw: string): string | null {
  let href = checked.get(raw);
  if (href === undefined) {
    href = checkHttpUrl(raw);
    // A note renders once per target: keep the last few hundred answers.
    if (checked.size >= CHECKED_MAX) checked.clear();
    checked.set(raw, href);
  }
  return href;
}

const CHECKED_MAX = 512;
const checked = new Map<string, string | null>();

function checkHttpUrl(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  if (url.username !== '' || url.password !== '') {
    url.username = '';
    url.password = '';
  }
  return url.href;
}

/** The part of a normalised http(s) URL after its origin: path, query and fragment. */
export function afterOrigin(href: string): number {
  const slash = href.indexOf('/', href.indexOf('//') + 2);
  return slash < 0 ? href.length : slash;
}

/** The server origin (no trailing slash) and its host, or null when it is not http(s). */
export function serverOrigin(server: string): { origin: string; host: string } | null {
  const href = safeHttpUrl(server);
  if (href === null) return null;
  const url = new URL(href);
  return { origin: url.origin, host: url.host.toLowerCase() };
}

/** `${origin}/@user` or `${origin}/@user@host` */
export function profileUrl(origin: string, username: string, host: string | null): string {
  const acct = encodeURIComponent(username) + (host ? '@' + encodeURIComponent(host) : '');
  return `${origin}/@${acct}`;
}

export function tagUrl(origin: string, tag: string): string {
  return `${origin}/tags/${encodeURIComponent(tag)}`;
}

export function searchUrl(origin: string, query: string): string {
  return `${origin}/search?q=${encodeURIComponent(query)}`;
}
