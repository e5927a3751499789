/**
 * A strict checker for Matrix `formatted_body` HTML (spec: m.room.message msgtypes, the "strongly
 * suggested" allowlist). Stricter than clients, which drop what they do not allow: anything this
 * reports is markup a client would strip or render wrongly. Used by the fake homeserver and the tests.
 */

const TAGS = new Set([
  'del', 'h1', 'h2', 'h3', 'h4', 'h5', 'h6', 'blockquote', 'p', 'a', 'ul', 'ol', 'sup', 'sub', 'li', 'b', 'i', 'u',
  'strong', 'em', 's', 'code', 'hr', 'br', 'div', 'table', 'thead', 'tbody', 'tr', 'th', 'td', 'caption', 'pre',
  'span', 'img', 'details', 'summary',
]);
const VOID = new Set(['br', 'hr', 'img']);
const ATTRIBUTES: Record<string, Set<string>> = {
  span: new Set(['data-mx-bg-color', 'data-mx-color', 'data-mx-spoiler', 'data-mx-maths']),
  a: new Set(['target', 'href']),
  img: new Set(['width', 'height', 'alt', 'title', 'src']),
  ol: new Set(['start']),
  code: new Set(['class']),
  div: new Set(['data-mx-maths']),
};
const PARENTS: Record<string, Set<string>> = {
  li: new Set(['ul', 'ol']),
  tr: new Set(['table', 'thead', 'tbody']),
  td: new Set(['tr']),
  th: new Set(['tr']),
  thead: new Set(['table']),
  tbody: new Set(['table']),
  caption: new Set(['table']),
};
const HREF_SCHEMES = /^(https?|ftp|mailto|magnet):/i;
const COLOR = /^#[0-9a-f]{6}$/i;
const MAX_NESTING = 100;
const ENTITY = /^&(#\d{1,7}|#x[0-9a-f]{1,6}|amp|lt|gt|quot|apos|nbsp);/i;
const ATTRIBUTE = /\s+([a-z][a-z0-9-]*)(?:="([^"<]*)")?/iy;

/** Problems found in the HTML; empty when it is valid, balanced and allowlisted. */
export function checkMatrixHtml(html: string): string[] {
  const problems: string[] = [];
  const open: string[] = [];
  let i = 0;
  while (i < html.length && problems.length < 20) {
    const c = html[i];
    if (c === '&') {
      const entity = ENTITY.exec(html.slice(i, i + 12));
      if (!entity) problems.push(`bare "&" at ${i}: escape it as &amp;`);
      i += entity ? entity[0].length : 1;
      continue;
    }
    if (c !== '<') {
      i++;
      continue;
    }
    if (!/[a-z/!]/i.test(html[i + 1] ?? '')) {
      problems.push(`raw "<" at ${i}: escape it as &lt;`);
      i++;
      continue;
    }
    const end = html.indexOf('>', i);
    if (end < 0) {
      problems.push(`unterminated tag at ${i}`);
      break;
    }
    const tag = html.slice(i, end + 1);
    i = end + 1;
    if (tag.startsWith('<!--')) {
      problems.push(`comment at ${i - tag.length}`);
      continue;
    }
    const closing = /^<\/([a-z][a-z0-9]*)\s*>$/i.exec(tag);
    if (closing) {
      const name = closing[1]!.toLowerCase();
      if (open.at(-1) !== name) problems.push(`</${name}> closes ${open.at(-1) ? `<${open.at(-1)}>` : 'nothing'}`);
      else open.pop();
      continue;
    }
    const opening = /^<([a-z][a-z0-9-]*)/i.exec(tag);
    if (!opening) {
      problems.push(`raw "<" at ${i - tag.length}: escape it as &lt;`);
      continue;
    }
    const name = opening[1]!.toLowerCase();
    if (!TAGS.has(name)) problems.push(`<${name}> is not allowed`);
    const parent = open.at(-1);
    const parents = PARENTS[name];
    if (parents && (parent === undefined || !parents.has(parent))) problems.push(`<${name}> inside <${parent ?? 'top level'}>`);
    if (name === 'a' && open.includes('a')) problems.push('<a> inside <a>');
    problems.push(...checkAttributes(name, tag.slice(opening[0].length)));
    const selfClosing = tag.endsWith('/>');
    if (selfClosing && !VOID.has(name)) problems.push(`<${name}/> is not a void element`);
    if (!VOID.has(name) && !selfClosing) {
      open.push(name);
      if (open.length > MAX_NESTING) problems.push(`nesting deeper than ${MAX_NESTING}`);
    }
  }
  if (open.length > 0) problems.push(`unclosed ${open.map((t) => `<${t}>`).join('')}`);
  return problems;
}

function checkAttributes(tag: string, rest: string): string[] {
  const problems: string[] = [];
  const body = rest.replace(/\s*\/?>$/, '');
  ATTRIBUTE.lastIndex = 0;
  let at = 0;
  while (at < body.length) {
    ATTRIBUTE.lastIndex = at;
    const match = ATTRIBUTE.exec(body);
    if (!match) {
      problems.push(`<${tag}> has malformed attributes: ${body.slice(at, at + 40)}`);
      break;
    }
    at = ATTRIBUTE.lastIndex;
    const [, rawName, value] = match;
    const name = rawName!.toLowerCase();
    if (!ATTRIBUTES[tag]?.has(name)) {
      problems.push(`<${tag} ${name}> is not allowed`);
      continue;
    }
    problems.push(...checkValue(tag, name, value));
  }
  return problems;
}

function checkValue(tag: string, name: string, value: string | undefined): string[] {
  if (value === undefined) return name === 'data-mx-spoiler' ? [] : [`<${tag} ${name}> needs a value`];
  if (/&(?!(#\d{1,7}|#x[0-9a-f]{1,6}|amp|lt|gt|quot|apos);)/i.test(value)) return [`<${tag} ${name}> has a bare "&"`];
  const decoded = value.replace(/&amp;/g, '&').replace(/&quot;/g, '"').replace(/&#39;/g, "'");
  if (tag === 'a' && name === 'href' && !HREF_SCHEMES.test(decoded)) return [`<a href="${value}"> has a scheme clients drop`];
  if (tag === 'img' && name === 'src' && !decoded.startsWith('mxc://')) return [`<img src="${value}"> is not an mxc:// URI`];
  if ((name === 'data-mx-color' || name === 'data-mx-bg-color') && !COLOR.test(decoded)) return [`${name}="${value}" is not #rrggbb`];
  if (tag === 'code' && name === 'class' && !/^language-[\w+-]+$/.test(decoded)) return [`<code class="${value}"> is not language-*`];
  if (tag === 'ol' && name === 'start' && !/^-?\d+$/.test(decoded)) return [`<ol start="${value}"> is not an integer`];
  return [];
}
