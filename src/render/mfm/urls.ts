/** URL checks and the Misskey URLs the renderer links to. */

/**
 * The normalised URL when `raw` is an absolute http(s) URL, else null. Credentials are dropped:
 * `https://good.example@evil.example/` becomes `https://evil.example/`, showing where it leads.
 */
export function safeHttpUrl(raw: string): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return null;
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return null;
  url.username = '';
  url.password = '';
  return url.href;
}

/** The server origin without a trailing slash, or null when it is not http(s). */
export function serverOrigin(server: string): string | null {
  const href = safeHttpUrl(server);
  return href === null ? null : new URL(href).origin;
}

export function hostOf(origin: string): string {
  return new URL(origin).host.toLowerCase();
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
