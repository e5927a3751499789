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

/**
 * A matrix.to permalink (user, room, event). Matrix clients show one as a pill, and a sink that may
 * mention lists the users it links to: from relayed text, such a link is shown inert.
 */
export function isMatrixPermalink(href: string): boolean {
  try {
    return new URL(href).hostname.replace(/\.$/, '') === 'matrix.to';
  } catch {
    return false;
  }
}

/**
 * A URL as written, with its host as the browser will use it: internationalised names in punycode
 * (`xn--…`, so a lookalike shows as what it is) and credentials dropped (`href` is `safeHttpUrl(raw)`).
 */
export function shownUrl(raw: string, href: string): string {
  const parts = /^(https?:\/\/)([^/?#\\]*)(.*)$/is.exec(raw);
  if (parts === null) return href;
  const [, , host = '', rest = ''] = parts;
  if (/^[\x21-\x7e]*$/.test(host) && !host.includes('@')) return raw;
  return new URL(href).origin + rest;
}

const URL_HOST = /https?:\/\/([^\s/?#\\]+)/giu;
/**
 * `bank.example`, `bank。example`, `support@bank.example`: a host name a reader would take for one.
 * A match starts only where no name character or dot precedes it, so each run of them is tried
 * once: the search stays linear in the label, however many dots it has.
 */
const BARE_HOST = /(?<![\p{L}\p{N}.。．｡-])(?:[\p{L}\p{N}-]*[.。．｡])+(?:\p{L}{2,}|xn--[\p{L}\p{N}-]+)(?![\p{L}\p{N}-])/giu;

/**
 * The host a link leads to when its label names another one, or names it in a form that may look
 * like another (internationalised): `[https://bank.example](https://evil.example)` → `evil.example`.
 * Null when the label names no host, or only that host, its `www.` or hosts it belongs to.
 */
export function hiddenHost(labelText: string, href: string): string | null {
  const target = new URL(href).hostname;
  const named = [...labelText.matchAll(URL_HOST)].map((m) => m[1] ?? '');
  for (const m of labelText.replace(URL_HOST, ' ').matchAll(BARE_HOST)) named.push(m[0].replace(/^[.。．｡]+/, ''));
  const misleading = named.some((host) => {
    // credentials read as a host (`https://bank.example@evil.example`), Unicode may imitate one
    if (!/^[\x21-\x7e]*$/.test(host) || host.includes('@')) return true;
    const ascii = asciiHost(host);
    return ascii !== target && ascii !== `www.${target}` && !target.endsWith('.' + ascii);
  });
  return misleading ? target : null;
}

function asciiHost(host: string): string | null {
  try {
    return new URL(`http://${host}`).hostname.replace(/\.$/, '');
  } catch {
    return null;
  }
}
