import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import type { TemplateFile } from './files';

const TEMPLATE_DOCS = path.resolve(__dirname, '../../docs/templates.md');

export interface PageData {
  files: TemplateFile[];
  samples: string[];
  recent: string[];
  /** sink names and types only: never their settings */
  sinks: { name: string; type: string }[];
  importMap: string;
  /** the languages that have a catalog, and the one the previews start in */
  locales: string[];
  locale: string;
}

const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/** Helper signatures and one-line descriptions, from the helper section of docs/templates.md. */
function helperReference(): { signature: string; summary: string }[] {
  if (!existsSync(TEMPLATE_DOCS)) return [];
  const docs = readFileSync(TEMPLATE_DOCS, 'utf8');
  const section = docs.slice(docs.indexOf('## 5. Helpers'), docs.indexOf('## 6.'));
  return [...section.matchAll(/^#### `(\{\{[^`]+\}\})`:?\s*(.*)$/gm)].map((match) => ({ signature: match[1]!, summary: match[2]! }));
}

/** The studio page: lists rendered here, the editor and previews filled in by the page's script. */
export function renderPage(data: PageData): string {
  const files = data.files
    .map((file) => `<li><button type="button" class="file" data-path="${escape(file.path)}">${escape(file.path)}</button> <small>${file.origin}</small></li>`)
    .join('');
  const samples = data.samples.map((name) => `<option value="sample:${escape(name)}">${escape(name)}</option>`).join('');
  const recent = data.recent.map((label, i) => `<option value="recent:${i}">${escape(label)}</option>`).join('');
  const sinks = data.sinks.map((sink) => `<option value="${escape(sink.name)}">${escape(sink.name)} (${escape(sink.type)})</option>`).join('');
  const locales = data.locales
    .map((locale) => `<option value="${escape(locale)}"${locale === data.locale ? ' selected' : ''}>${escape(locale)}</option>`)
    .join('');
  const helpers = helperReference()
    .map((helper) => `<li><code>${escape(helper.signature)}</code> ${escape(helper.summary)}</li>`)
    .join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>misskey-bridge studio</title>
<link rel="stylesheet" href="/static/studio.css">
<script type="importmap">${data.importMap}</script>
<script type="module" src="/static/studio.js"></script>
</head>
<body>
<header><h1>misskey-bridge studio</h1><span id="status" role="status"></span></header>
<main>
<section id="left">
  <h2>Templates</h2>
  <ul id="files">${files}</ul>
  <form id="new-file"><input name="path" placeholder="discord/mention.hbs" aria-label="new template path"><button>New</button></form>
  <div id="editor-head"><strong id="current-path"></strong> <button type="button" id="save" disabled>Save</button></div>
  <div id="editor"></div>
  <p id="compile-error" class="error" hidden></p>
  <details id="helpers"><summary>Helpers</summary><ul>${helpers}</ul></details>
</section>
<section id="middle">
  <h2>Payload</h2>
  <select id="payload" size="16" aria-label="payload">
    <optgroup label="Samples">${samples}</optgroup>
    <optgroup label="Received by the bridge (newest first)">${recent}</optgroup>
    <option value="json">Paste your own JSON…</option>
  </select>
  <textarea id="json" rows="12" placeholder="a webhook body as Misskey posts it" hidden></textarea>
  <h2>Send test</h2>
  <form id="send"><select id="sink" aria-label="sink">${sinks}</select><button ${sinks ? '' : 'disabled'}>Send</button></form>
  <p id="send-result"></p>
</section>
<section id="right">
  <label id="locale-switch">Language <select id="locale" aria-label="preview language">${locales}</select></label>
  <h2>Discord</h2><div class="preview" id="preview-discord"></div>
  <h2>Slack</h2><div class="preview" id="preview-slack"></div>
  <h2>Matrix</h2><div class="preview" id="preview-matrix"></div>
  <h2>Warnings</h2><ul id="warnings"></ul>
  <details><summary>Request bodies</summary><pre id="bodies"></pre></details>
</section>
</main>
</body>
</html>`;
}
