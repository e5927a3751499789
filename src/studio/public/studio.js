// The studio page: the editor (CodeMirror 6), the payload picker, live previews, save and send.
import { basicSetup, EditorView } from 'codemirror';
import { StreamLanguage } from '@codemirror/language';
import { simpleMode } from '@codemirror/legacy-modes/mode/simple-mode.js';
import { discordLook, matrixLook, slackLook } from './looks.js';

/** Handlebars tags highlighted inside the template's own text. */
const handlebars = simpleMode({
  start: [
    { regex: /\{\{!--/, push: 'longComment', token: 'comment' },
    { regex: /\{\{!/, push: 'comment', token: 'comment' },
    { regex: /\{\{~?/, push: 'tag', token: 'bracket' },
    { regex: /^---$/, token: 'meta' },
  ],
  tag: [
    { regex: /~?\}\}/, pop: true, token: 'bracket' },
    { regex: /"(?:[^\\"]|\\.)*"?/, token: 'string' },
    { regex: /'(?:[^\\']|\\.)*'?/, token: 'string' },
    { regex: /[#/^][A-Za-z_]\w*/, token: 'keyword' },
    { regex: /(?:else|this)\b/, token: 'keyword' },
    { regex: /\d+/, token: 'number' },
    { regex: /[A-Za-z_][\w-]*(?==)/, token: 'attribute' },
    { regex: /true\b|false\b|null\b|@\w+/, token: 'atom' },
    { regex: /[A-Za-z_][\w.]*/, token: 'variableName' },
  ],
  longComment: [
    { regex: /.*?--\}\}/, pop: true, token: 'comment' },
    { regex: /.*/, token: 'comment' },
  ],
  comment: [
    { regex: /.*?\}\}/, pop: true, token: 'comment' },
    { regex: /.*/, token: 'comment' },
  ],
});

const $ = (selector) => document.querySelector(selector);
const state = { path: null, timer: null, generation: 0 };

async function api(method, url, body) {
  const response = await fetch(url, { method, headers: body ? { 'content-type': 'application/json' } : {}, body: body ? JSON.stringify(body) : undefined });
  return { status: response.status, data: await response.json() };
}

const editor = new EditorView({
  parent: $('#editor'),
  extensions: [
    basicSetup,
    StreamLanguage.define(handlebars),
    EditorView.lineWrapping,
    EditorView.updateListener.of((update) => {
      if (update.docChanged) schedulePreview();
    }),
  ],
});

function payload() {
  const choice = $('#payload').value || 'json';
  if (choice === 'json') return { kind: 'json', json: $('#json').value };
  const [kind, value] = [choice.slice(0, choice.indexOf(':')), choice.slice(choice.indexOf(':') + 1)];
  return kind === 'recent' ? { kind, index: Number(value) } : { kind, name: value };
}

const edited = () => ({ path: state.path, text: editor.state.doc.toString(), payload: payload() });

function schedulePreview() {
  clearTimeout(state.timer);
  state.timer = setTimeout(preview, 150);
}

function showError(error) {
  const box = $('#compile-error');
  box.hidden = !error;
  box.textContent = error ? `line ${error.line}: ${error.message}` : '';
}

async function preview() {
  if (!state.path) return;
  const generation = ++state.generation;
  const { status, data } = await api('POST', '/api/preview', edited());
  if (generation !== state.generation) return;
  if (status === 422) {
    showError(data.error);
    return;
  }
  showError(null);
  if (status !== 200) {
    $('#warnings').innerHTML = '';
    $('#warnings').append(item(`payload: ${data.error.message}`));
    return;
  }
  const looks = { discord: discordLook, slack: slackLook, matrix: matrixLook };
  const warnings = new Map(); // text → the platforms it applies to
  const warn = (platform, text) => warnings.set(text, [...(warnings.get(text) ?? []), platform]);
  const bodies = {};
  for (const [platform, result] of Object.entries(data.previews)) {
    const target = $(`#preview-${platform}`);
    if (result.error) {
      target.textContent = `line ${result.error.line}: ${result.error.message}`;
      warn(platform, `line ${result.error.line}: ${result.error.message}`);
      continue;
    }
    target.innerHTML = looks[platform](result.body);
    target.dataset.template = result.template;
    bodies[platform] = result.body;
    for (const warning of result.warnings) warn(platform, warning);
    if (result.template !== state.path) warn(platform, `uses ${result.template}, not the file being edited`);
  }
  $('#warnings').replaceChildren(...[...warnings].map(([text, platforms]) => item(`${platforms.join(', ')}: ${text}`)));
  $('#bodies').textContent = JSON.stringify(bodies, null, 2);
}

function item(text) {
  const li = document.createElement('li');
  li.textContent = text;
  return li;
}

async function open(path) {
  const { status, data } = await api('GET', `/api/template?path=${encodeURIComponent(path)}`);
  if (status !== 200) {
    $('#status').textContent = data.error.message;
    return;
  }
  state.path = path;
  $('#current-path').textContent = `${path} (${data.origin})`;
  $('#save').disabled = false;
  const name = path.replace(/^.*\//, '').replace(/\.hbs$/, '');
  const sample = [...$('#payload').options].find((option) => option.value === `sample:${name}`);
  if (sample && !$('#payload').value) $('#payload').value = sample.value;
  editor.dispatch({ changes: { from: 0, to: editor.state.doc.length, insert: data.text } });
  schedulePreview();
}

document.addEventListener('click', (event) => {
  const button = event.target.closest('button.file');
  if (button) void open(button.dataset.path);
  const held = event.target.closest('button.held-image');
  if (held) {
    const image = document.createElement('img');
    image.src = held.dataset.src;
    image.alt = held.dataset.alt;
    if (held.dataset.class) image.className = held.dataset.class;
    held.replaceWith(image);
  }
});
$('#new-file').addEventListener('submit', (event) => {
  event.preventDefault();
  void open(new FormData(event.target).get('path'));
});
$('#payload').addEventListener('change', () => {
  $('#json').hidden = $('#payload').value !== 'json';
  schedulePreview();
});
$('#json').addEventListener('input', schedulePreview);

$('#save').addEventListener('click', async () => {
  const { status, data } = await api('PUT', '/api/template', edited());
  if (status === 200) {
    showError(null);
    $('#status').textContent = `saved ${data.saved}`;
  } else {
    showError(data.error);
    $('#status').textContent = 'not saved';
  }
});

$('#send').addEventListener('submit', async (event) => {
  event.preventDefault();
  if (!state.path) return;
  const { status, data } = await api('POST', '/api/send', { ...edited(), sink: $('#sink').value });
  $('#send-result').textContent = status === 200 ? `${data.verdict.kind}${data.verdict.reason ? `: ${data.verdict.reason}` : ''}` : `error: ${data.error.message}`;
});
