import type { Message } from '../../src/render/message';
import { buildContent, contentBytes } from '../../src/sinks/matrix/content';
import { jsonBytes } from '../../src/sinks/matrix/html';
import { MATRIX_TEXT_LIMIT } from '../../src/sinks/matrix/limits';
import { truncateHtml, truncatePlain } from '../../src/sinks/matrix/truncate';
import { checkMatrixHtml } from '../fakes/matrix-html-allowlist';

function message(overrides: Partial<Message> = {}): Message {
  return { event: 'note', text: '<p>Hello</p>', plain: 'Hello', images: [], fields: [], ...overrides };
}

const visible = (html: string): string => html.replace(/<[^>]*>/g, '');

describe('truncateHtml', () => {
  const SAMPLE =
    '<p>Hello <strong>bold <em>and &amp; italic</em></strong> text with <a href="https://example.org/a?b=1&amp;c=2">a link</a></p>' +
    '<ul><li>one</li><li>two <code>x &lt; y</code></li><li>three</li></ul>' +
    '<blockquote><p>quoted 日本語 👍🏽 🇯🇵 text</p></blockquote>' +
    '<pre><code class="language-ts">const a = "b";\nconst c = 1;</code></pre>' +
    '<p><span data-mx-spoiler="cw">hidden words</span><br>after break</p><hr><p>end</p>';

  test('leaves HTML that fits untouched', () => {
    expect(truncateHtml(SAMPLE, jsonBytes(SAMPLE))).toEqual({ text: SAMPLE, truncated: false });
  });

  test('at every budget: within the budget, balanced, allowlisted, and a prefix of the visible text', () => {
    const full = visible(SAMPLE);
    for (let budget = 0; budget < jsonBytes(SAMPLE); budget++) {
      const { text, truncated } = truncateHtml(SAMPLE, budget);
      expect(truncated).toBe(true);
      expect(jsonBytes(text)).toBeLessThanOrEqual(budget);
      expect([budget, checkMatrixHtml(text)]).toEqual([budget, []]);
      if (text !== '') {
        expect(text).toContain('…');
        expect(full.startsWith(visible(text).replace('…', '').trimEnd())).toBe(true);
      }
      // never half an entity
      expect(text).not.toMatch(/&[#a-z0-9]*(?![#a-z0-9;])/i);
    }
  });

  test('cuts at a word, closes open elements, puts the ellipsis where text is allowed', () => {
    const html = '<p>Hello wonderful world of markup</p>';
    expect(truncateHtml(html, jsonBytes('<p>Hello wonderful wo…</p>')).text).toBe('<p>Hello wonderful…</p>');
    const list = '<ul><li>one</li><li>two</li><li>three thousand</li></ul>';
    expect(truncateHtml(list, jsonBytes('<ul><li>one</li><li>two</li><li>three tho…</li></ul>')).text).toBe('<ul><li>one</li><li>two</li><li>three…</li></ul>');
    expect(truncateHtml(list, jsonBytes('<ul><li>one</li><li>two</li></ul>…'))).toEqual({ text: '<ul><li>one</li><li>two</li></ul>…', truncated: true });
    const code = '<pre><code class="language-js">line 1\nline 2\nline 3</code></pre>';
    const codeBudget = jsonBytes('<pre><code class="language-js">line 1\nli…</code></pre>');
    expect(truncateHtml(code, codeBudget).text).toBe('<pre><code class="language-js">line 1…</code></pre>');
  });

  test('drops an element that would stay empty', () => {
    const html = '<p>first</p><p><strong>second part</strong></p>';
    expect(truncateHtml(html, jsonBytes('<p>first</p><p><strong>s…</strong></p>') - 1).text).toBe('<p>first</p>…');
  });
});

describe('truncatePlain', () => {
  test('cuts at a whitespace and marks the cut', () => {
    expect(truncatePlain('Hello wonderful world', 20)).toEqual({ text: 'Hello wonderful…', truncated: true });
    // a space far back would lose too much: cut the word at a grapheme instead
    expect(truncatePlain('Hi incomprehensibilities', 15)).toEqual({ text: 'Hi incompreh…', truncated: true });
    expect(truncatePlain('short', 100)).toEqual({ text: 'short', truncated: false });
  });

  test('never cuts inside a URL', () => {
    expect(truncatePlain('see https://example.org/a/very/long/path/to/a/note here', 30).text).toBe('see…');
  });

  test('never splits a grapheme: skin tones, flags, combining marks', () => {
    for (const unit of ['👍🏽', '🇯🇵', 'é', '👩‍👩‍👧']) {
      const text = unit.repeat(50);
      for (let budget = 3; budget < 60; budget++) {
        const { text: cut } = truncatePlain(text, budget);
        expect(jsonBytes(cut)).toBeLessThanOrEqual(budget);
        const kept = cut.replace('…', '');
        expect(kept.length % unit.length).toBe(0);
        expect(unit.repeat(kept.length / unit.length)).toBe(kept);
      }
    }
  });

  test('counts JSON escapes: quotes and newlines cost two bytes', () => {
    const { text } = truncatePlain('"\n'.repeat(100), 43);
    expect(jsonBytes(text)).toBeLessThanOrEqual(43);
    expect(text).toBe('"\n'.repeat(10).trimEnd() + '…');
  });
});

describe('buildContent', () => {
  test('escapes the plain parts it adds and keeps unsafe links out', () => {
    const { content } = buildContent(
      [
        message({
          author: { name: 'Eve <b>&', url: 'javascript:alert(1)' },
          footer: '"quoted" <i>',
          images: [
            { url: 'data:text/html,x', alt: 'bad', sensitive: false },
            { url: 'https://f.example/x.png?a=1&b=2', alt: '<alt>', sensitive: true },
          ],
        }),
      ],
      { msgtype: 'm.notice', allowMentions: false },
    );
    expect(content.formatted_body).toBe(
      '<p>Eve &lt;b&gt;&amp;</p><p>Hello</p><p>🖼️ <span data-mx-spoiler="sensitive"><a href="https://f.example/x.png?a=1&amp;b=2">&lt;alt&gt;</a></span></p>' +
        '<p><sub>&quot;quoted&quot; &lt;i&gt;</sub></p>',
    );
    expect(checkMatrixHtml(content.formatted_body)).toEqual([]);
  });

  test('text up to MATRIX_TEXT_LIMIT characters is never cut, even in 3-byte scripts', () => {
    const text = '日'.repeat(MATRIX_TEXT_LIMIT);
    const built = buildContent(
      [message({ title: 'Title', text: `<p>${text}</p>`, plain: text, url: 'https://m.example/notes/1', author: { name: 'Alice', url: 'https://m.example/@alice' } })],
      { msgtype: 'm.notice', allowMentions: false },
    );
    expect(built.truncations).toEqual([]);
  });

  test('a message without plain text still has a body', () => {
    expect(buildContent([message({ plain: '  ', event: 'follow' })], { msgtype: 'm.notice', allowMentions: false }).content.body).toBe('[follow]');
  });

  test('fits any budget with valid HTML, keeping titles and links of every message', () => {
    const long = 'lorem ipsum dolor '.repeat(500);
    const messages = Array.from({ length: 5 }, (_, i) =>
      message({ title: `T${i}`, url: `https://m.example/notes/${i}`, text: `<p>${long}</p>`, plain: long, fields: [{ name: 'F', value: long, inline: false }] }),
    );
    for (const budget of [3000, 5000, 12_000, 30_000]) {
      const built = buildContent(messages, { msgtype: 'm.notice', allowMentions: false, budgetBytes: budget });
      expect(built.bytes).toBe(contentBytes(built.content));
      expect(built.bytes).toBeLessThanOrEqual(budget);
      expect(checkMatrixHtml(built.content.formatted_body)).toEqual([]);
      messages.forEach((_, i) => expect(built.content.formatted_body).toContain(`<a href="https://m.example/notes/${i}">T${i}</a>`));
      expect(built.truncations.filter((t) => t.field === 'formatted_body')).toHaveLength(5);
    }
  });
});

describe('checkMatrixHtml', () => {
  test('accepts the allowlist', () => {
    expect(
      checkMatrixHtml(
        '<h1>t</h1><p><b>b</b> <i>i</i> <u>u</u> <s>s</s> <del>d</del> <sup>1</sup><sub>2</sub><br/><a href="mailto:a@b.c" target="_blank">m</a></p>' +
          '<ol start="3"><li>x</li></ol><table><thead><tr><th>h</th></tr></thead><tbody><tr><td>d</td></tr></tbody></table>' +
          '<details><summary>s</summary><span data-mx-color="#ff0000" data-mx-bg-color="#00ff00">c</span></details>' +
          '<img src="mxc://example.org/abc" alt="a" width="10"><pre><code class="language-rust">fn</code></pre><span data-mx-spoiler>x</span>',
      ),
    ).toEqual([]);
  });

  test.each([
    ['<script>alert(1)</script>', /<script> is not allowed/],
    ['<a href="javascript:alert(1)">x</a>', /scheme clients drop/],
    ['<a href="/relative">x</a>', /scheme clients drop/],
    ['<img src="https://example.org/a.png">', /not an mxc/],
    ['<p>open', /unclosed <p>/],
    ['<p></b></p>', /<\/b> closes <p>/],
    ['<li>x</li>', /<li> inside <top level>/],
    ['a & b', /bare "&"/],
    ['a < b', /raw "<"/],
    ['<span style="color:red">x</span>', /<span style> is not allowed/],
    ['<code class="evil">x</code>', /language-/],
    ['<p onclick="x()">x</p>', /<p onclick> is not allowed/],
    ['<!-- c -->', /comment/],
    ['<mx-reply>q</mx-reply>', /<mx-reply> is not allowed/],
    ['<a href="https://a"><a href="https://b">x</a></a>', /<a> inside <a>/],
    ['<div>'.repeat(101) + '</div>'.repeat(101), /nesting deeper than 100/],
    ['<span data-mx-color="red">x</span>', /#rrggbb/],
  ])('rejects %s', (html, problem) => {
    expect(checkMatrixHtml(html).join('\n')).toMatch(problem);
  });
});
