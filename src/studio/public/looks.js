// How Discord, Slack and Matrix would show a request body: look-alikes, drawn from the exact body.

const escapeHtml = (text) => String(text).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
const safeUrl = (url) => (/^https?:\/\//i.test(url) ? escapeHtml(url) : '#');

/**
 * An image the payload names: a button showing its host until the operator clicks it (studio.js),
 * so that opening a hostile event fetches nothing from the address it chose.
 */
function heldImage(url, className = '', alt = '') {
  if (!/^https?:\/\//i.test(url ?? '')) return '';
  let host;
  try {
    host = new URL(url).host;
  } catch {
    return '';
  }
  const attributes = `data-src="${escapeHtml(url)}" data-alt="${escapeHtml(alt)}" data-class="${className}" title="${escapeHtml(url)}"`;
  return `<button type="button" class="held-image ${className}" ${attributes}>🖼 image from ${escapeHtml(host)}: show</button>`;
}

/** Runs `format` on the text between placeholders that protect what must stay literal. */
function withPlaceholders(text, protect, format) {
  const kept = [];
  const hold = (html) => `\uE000${kept.push(html) - 1}\uE001`;
  const held = protect(text, hold);
  return format(held, hold).replace(/\uE000(\d+)\uE001/g, (_, i) => kept[Number(i)]);
}

/** Discord markdown → HTML (escapes, code, bold, italic, underline, strike, spoilers, links, quotes, subtext). */
export function discordMarkdown(markdown) {
  return withPlaceholders(
    escapeHtml(markdown),
    (text, hold) =>
      text
        .replace(/```(?:[a-z]*\n)?([\s\S]*?)```/g, (_, code) => hold(`<pre>${code}</pre>`))
        .replace(/`([^`\n]+)`/g, (_, code) => hold(`<code>${code}</code>`))
        .replace(/\\([^\w\s])/g, (_, c) => hold(c)),
    (text) =>
      text
        .replace(/\[([^\]\n]+)\]\((?:&#60;)?(https?:\/\/[^)\s&]+)(?:&#62;)?\)/g, (_, label, url) => `<a href="${safeUrl(url)}">${label}</a>`)
        .replace(/&#60;(https?:\/\/[^\s&]+)&#62;/g, (_, url) => `<a href="${safeUrl(url)}">${url}</a>`)
        .replace(/\*\*([\s\S]+?)\*\*/g, '<strong>$1</strong>')
        .replace(/__([\s\S]+?)__/g, '<u>$1</u>')
        .replace(/(^|[^\w*])[*_]([^*_\n]+)[*_]/g, '$1<em>$2</em>')
        .replace(/~~([\s\S]+?)~~/g, '<s>$1</s>')
        .replace(/\|\|([\s\S]+?)\|\|/g, '<span class="spoiler">$1</span>')
        .replace(/^-# (.*)$/gm, '<small>$1</small>')
        .replace(/^#{1,3} (.*)$/gm, '<strong class="heading">$1</strong>')
        .replace(/^&#62; (.*)$/gm, '<blockquote>$1</blockquote>')
        .replace(/\n/g, '<br>'),
  );
}

export function discordLook(body) {
  const embeds = (body.embeds ?? [])
    .map((embed) => {
      const color = `#${(embed.color ?? 0x1e1f22).toString(16).padStart(6, '0')}`;
      const author = embed.author ? `<div class="author">${heldImage(embed.author.icon_url)}${escapeHtml(embed.author.name)}</div>` : '';
      const title = embed.title ? `<div class="title">${embed.url ? `<a href="${safeUrl(embed.url)}">${discordMarkdown(embed.title)}</a>` : discordMarkdown(embed.title)}</div>` : '';
      const fields = (embed.fields ?? []).map((field) => `<div class="field${field.inline ? ' inline' : ''}"><b>${discordMarkdown(field.name)}</b><div>${discordMarkdown(field.value)}</div></div>`).join('');
      const image = heldImage(embed.image?.url, 'image');
      const footer = embed.footer || embed.timestamp ? `<div class="footer">${escapeHtml([embed.footer?.text, embed.timestamp].filter(Boolean).join(' • '))}</div>` : '';
      return `<div class="embed" style="border-color:${color}">${author}${title}<div class="description">${discordMarkdown(embed.description ?? '')}</div><div class="fields">${fields}</div>${image}${footer}</div>`;
    })
    .join('');
  const name = body.username ?? 'misskey-bridge';
  return `<div class="discord"><div class="username">${escapeHtml(name)} <span class="bot">APP</span></div>${body.content ? `<div class="content">${discordMarkdown(body.content)}</div>` : ''}${embeds}</div>`;
}

const decodeSlack = (text) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

/** Slack mrkdwn → HTML (links `<url|label>`, bold, italic, strike, code, quotes). */
export function slackMrkdwn(mrkdwn) {
  return withPlaceholders(
    mrkdwn,
    (text, hold) =>
      text
        .replace(/```([\s\S]*?)```/g, (_, code) => hold(`<pre>${escapeHtml(decodeSlack(code))}</pre>`))
        .replace(/`([^`\n]+)`/g, (_, code) => hold(`<code>${escapeHtml(decodeSlack(code))}</code>`))
        .replace(/<((?:https?|mailto):[^|>]+)(?:\|([^>]+))?>/g, (_, url, label) => hold(`<a href="${safeUrl(decodeSlack(url))}">${escapeHtml(decodeSlack(label ?? url))}</a>`)),
    (text) =>
      escapeHtml(decodeSlack(text))
        .replace(/(^|\W)\*([^*\n]+)\*/g, '$1<b>$2</b>')
        .replace(/(^|\W)_([^_\n]+)_/g, '$1<i>$2</i>')
        .replace(/(^|\W)~([^~\n]+)~/g, '$1<s>$2</s>')
        .replace(/^&#62; (.*)$/gm, '<blockquote>$1</blockquote>')
        .replace(/\n/g, '<br>'),
  );
}

const slackText = (object) => (object?.type === 'mrkdwn' ? slackMrkdwn(object.text) : escapeHtml(object?.text ?? ''));

export function slackLook(body) {
  const blocks = (body.blocks ?? [])
    .map((block) => {
      switch (block.type) {
        case 'header':
          return `<div class="header">${slackText(block.text)}</div>`;
        case 'section':
          return `<div class="section">${block.text ? slackText(block.text) : ''}${(block.fields ?? []).map((field) => `<div class="field">${slackText(field)}</div>`).join('')}${heldImage(block.accessory?.image_url)}</div>`;
        case 'context':
          return `<div class="context">${block.elements.map((element) => (element.type === 'image' ? heldImage(element.image_url) : `<span>${slackText(element)}</span>`)).join(' ')}</div>`;
        case 'image':
          return heldImage(block.image_url, 'image', block.alt_text ?? '');
        case 'divider':
          return '<hr>';
        case 'rich_text':
        case 'markdown':
          return `<div class="section">${escapeHtml(block.text ?? '')}</div>`;
        default:
          return `<div class="section unknown">[${escapeHtml(block.type)} block]</div>`;
      }
    })
    .join('');
  return `<div class="slack"><div class="username">${escapeHtml(body.username ?? 'misskey-bridge')} <span class="bot">APP</span></div>${blocks || `<div class="section">${slackMrkdwn(body.text ?? '')}</div>`}</div>`;
}

// the HTML Matrix clients keep (spec: m.room.message, the suggested allowlist)
const TAGS = new Set('del h1 h2 h3 h4 h5 h6 blockquote p a ul ol sup sub li b i u strong em s code hr br div table thead tbody tr th td caption pre span img details summary'.split(' '));
const ATTRIBUTES = { a: ['href'], span: ['data-mx-spoiler', 'data-mx-color', 'data-mx-bg-color'], img: ['src', 'alt', 'width', 'height'], ol: ['start'], code: ['class'] };

/** formatted_body with the allowlist applied, as a client shows it: other tags unwrapped, other attributes dropped. */
export function matrixAllowlisted(html) {
  const doc = new DOMParser().parseFromString(`<body>${html}</body>`, 'text/html');
  const clean = (node) => {
    for (const child of [...node.childNodes]) {
      if (child.nodeType === Node.TEXT_NODE) continue;
      if (child.nodeType !== Node.ELEMENT_NODE) {
        child.remove();
        continue;
      }
      clean(child);
      const tag = child.tagName.toLowerCase();
      if (tag === 'mx-reply' || tag === 'script' || tag === 'style') {
        child.remove();
        continue;
      }
      if (!TAGS.has(tag)) {
        child.replaceWith(...child.childNodes);
        continue;
      }
      for (const attribute of [...child.attributes]) {
        const allowed = (ATTRIBUTES[tag] ?? []).includes(attribute.name);
        const badHref = attribute.name === 'href' && !/^(https?|ftp|mailto|magnet):/i.test(attribute.value);
        const badSrc = attribute.name === 'src' && !attribute.value.startsWith('mxc://');
        const badClass = attribute.name === 'class' && !/^language-[\w-]+$/.test(attribute.value);
        if (!allowed || badHref || badSrc || badClass) child.removeAttribute(attribute.name);
      }
      if (tag === 'img' && !child.hasAttribute('src')) child.replaceWith(doc.createTextNode(child.getAttribute('alt') ?? ''));
    }
  };
  clean(doc.body);
  return doc.body.innerHTML;
}

export function matrixLook(body) {
  const formatted = body.format === 'org.matrix.custom.html' ? matrixAllowlisted(body.formatted_body ?? '') : escapeHtml(body.body ?? '').replace(/\n/g, '<br>');
  return `<div class="matrix"><div class="username">misskey-bridge <span class="bot">${escapeHtml(body.msgtype ?? '')}</span></div><div class="formatted">${formatted}</div></div>`;
}
