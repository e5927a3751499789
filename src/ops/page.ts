const escape = (text: string) => text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const VIEWS = [
  ['overview', 'Overview'],
  ['dead', 'Dead letters'],
  ['find', 'Find an event'],
  ['audit', 'Audit'],
  ['instances', 'Instances'],
] as const;

/** The page's shell: the views are filled in by its script from the server's live updates. */
export function renderOpsPage(csrfToken: string): string {
  const tabs = VIEWS.map(
    ([id, label], i) =>
      `<button type="button" role="tab" id="tab-${id}" aria-controls="view-${id}" aria-selected="${i === 0}" tabindex="${i === 0 ? 0 : -1}">${label}</button>`,
  ).join('');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="csrf-token" content="${escape(csrfToken)}">
<title>misskey-bridge operations</title>
<link rel="stylesheet" href="/static/ops.css">
<script type="module" src="/static/ops.js"></script>
</head>
<body>
<header>
  <h1>misskey-bridge operations</h1>
  <p id="live">connecting…</p>
</header>
<nav role="tablist" aria-label="views">${tabs}</nav>
<p id="result" role="status" aria-live="polite"></p>
<main>
<section id="view-overview" role="tabpanel" aria-labelledby="tab-overview">
  <h2>Sources</h2>
  <table id="sources"><thead><tr><th scope="col">Source</th><th scope="col">Last event</th><th scope="col">Events/min</th><th scope="col">Unrouted</th></tr></thead><tbody></tbody></table>
  <h2>Sinks</h2>
  <table id="sinks"><thead><tr><th scope="col">Sink</th><th scope="col">State</th><th scope="col">Waiting</th><th scope="col">Next attempt</th><th scope="col">Pace</th><th scope="col">Last error</th><th scope="col">Per minute, last 30 min <span class="legend"><span class="key-accepted">accepted</span> <span class="key-delivered">delivered</span></span></th><th scope="col">Action</th></tr></thead><tbody></tbody></table>
</section>
<section id="view-dead" role="tabpanel" aria-labelledby="tab-dead" hidden>
  <h2>Dead letters <span id="dead-count"></span></h2>
  <div class="bulk"><button type="button" id="replay-selected">Replay selected</button> <button type="button" id="discard-selected" class="danger">Discard selected</button></div>
  <table id="dead"><thead><tr><th scope="col"><span class="sr-only">Select</span></th><th scope="col">Sink</th><th scope="col">Event</th><th scope="col">Failed</th><th scope="col">Reason</th><th scope="col">Message</th><th scope="col">Action</th></tr></thead><tbody></tbody></table>
</section>
<section id="view-find" role="tabpanel" aria-labelledby="tab-find" hidden>
  <h2>Find an event</h2>
  <form id="find-form" role="search"><label for="find-query">eventId, note id or user (@name@host)</label> <input id="find-query" name="q" autocomplete="off" required> <button>Find</button></form>
  <div id="found"></div>
</section>
<section id="view-audit" role="tabpanel" aria-labelledby="tab-audit" hidden>
  <h2>Audit</h2>
  <table id="audit"><thead><tr><th scope="col">Time</th><th scope="col">Who</th><th scope="col">Action</th><th scope="col">On</th><th scope="col">Outcome</th><th scope="col">Detail</th></tr></thead><tbody></tbody></table>
</section>
<section id="view-instances" role="tabpanel" aria-labelledby="tab-instances" hidden>
  <h2>Instances</h2>
  <table id="instances"><thead><tr><th scope="col">Instance</th><th scope="col">Host</th><th scope="col">PID</th><th scope="col">Since</th><th scope="col">Leases</th><th scope="col">Heartbeat</th><th scope="col">State</th></tr></thead><tbody></tbody></table>
</section>
</main>
</body>
</html>`;
}
