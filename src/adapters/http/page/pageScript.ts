/**
 * The page's script: plain browser JavaScript. The token comes from `#token=` in the URL (as `jobledger serve`
 * prints it) or the form, and is kept in localStorage; every API call sends it as a bearer token.
 */
export const pageScript = String.raw`'use strict';
const main = document.getElementById('main');
const fromHash = /[#&]token=([^&]+)/.exec(location.hash);
if (fromHash) { localStorage.setItem('jobledger.token', decodeURIComponent(fromHash[1])); location.hash = '#/'; }
const token = () => localStorage.getItem('jobledger.token') || '';
document.getElementById('token-form').addEventListener('submit', (e) => {
  e.preventDefault();
  localStorage.setItem('jobledger.token', document.getElementById('token').value);
  route();
});
const esc = (v) => String(v ?? '').replace(/[&<>"']/g, (c) => '&#' + c.charCodeAt(0) + ';');
const when = (iso) => (iso ? esc(iso.replace('T', ' ').slice(0, 19)) + ' UTC' : '');
const api = async (path) => {
  const res = await fetch(path, { headers: { authorization: 'Bearer ' + token() } });
  const body = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(res.status + ' ' + (body.message || res.statusText));
  return body;
};
const statusBadge = (name) => '<span class="status ' + esc(name) + '">' + esc(name) + '</span>';
const current = (job) => job.status_history[job.status_history.length - 1];
let stream;

async function showList(params) {
  const q = new URLSearchParams(params);
  if (!q.get('size')) q.set('size', '20');
  const page = await api('/jobs?' + q.toString());
  const statuses = ['', 'Created', 'Pending', 'Claimed', 'Validating', 'Running', 'Uploading', 'Completed', 'Failed', 'Canceled', 'Unknown'];
  main.innerHTML =
    '<h1>Jobs</h1><div class="pictures" id="overview"></div><form class="filters" id="filters">status <select name="status_name">' +
    statuses.map((s) => '<option' + (q.get('status_name') === s ? ' selected' : '') + '>' + s + '</option>').join('') +
    '</select> archive <select name="archive_status">' +
    ['active', 'archived', 'all'].map((s) => '<option' + (q.get('archive_status') === s ? ' selected' : '') + '>' + s + '</option>').join('') +
    '</select><button>filter</button></form>' +
    '<table id="jobs"><thead><tr><th>job</th><th>status</th><th>function</th><th>agent</th><th>created</th></tr></thead><tbody>' +
    page.items.map((j) => '<tr><td><a href="#/jobs/' + esc(j.id) + '">' + esc(j.id) + '</a></td><td>' + statusBadge(current(j).name) +
      '</td><td>' + esc(j.function.name || j.function.id) + '</td><td>' + esc(j.agent_id || '-') + '</td><td>' + when(j.created) + '</td></tr>').join('') +
    '</tbody></table><p>page ' + page.page + ' of ' + page.pages + ', ' + page.total + ' jobs ' +
    (page.page > 1 ? '<a href="#/?' + pageLink(q, page.page - 1) + '">previous</a> ' : '') +
    (page.page < page.pages ? '<a href="#/?' + pageLink(q, page.page + 1) + '">next</a>' : '') + '</p>';
  listPictures(document.getElementById('overview'), q.get('archive_status') || 'active').catch(fail);
  document.getElementById('filters').addEventListener('submit', (e) => {
    e.preventDefault();
    const f = new URLSearchParams(new FormData(e.target));
    for (const [k, v] of [...f]) if (!v) f.delete(k);
    location.hash = '#/?' + f.toString();
  });
}
function pageLink(q, n) { const c = new URLSearchParams(q); c.set('page', String(n)); return c.toString(); }

async function showJob(id) {
  const path = '/jobs/' + encodeURIComponent(id);
  // The history first: the job read after it is at least as new, so no event can fall between them unseen.
  const events = await api(path + '/history');
  const [job, check, revisions] = await Promise.all([api(path), api(path + '/verify'), api(path + '/file/revisions')]);
  const broken = new Map(check.problems.map((p) => [p.version, p.detail]));
  const stored = new Set(revisions.filter((r) => r.stored).map((r) => r.revision));
  main.innerHTML =
    '<p><a href="#/">all jobs</a></p><h1>Job ' + esc(job.id) + ' ' + statusBadge(current(job).name) + '</h1>' +
    '<p class="muted">function ' + esc(job.function.name || job.function.id) + ' · tenant ' + esc(job.tenant_id) + ' · created by ' + esc(job.created_by_id) + '</p>' +
    '<h2>Path through the status machine</h2><div id="pictures"></div>' +
    '<h2>Status timeline</h2><table id="timeline"><thead><tr><th>when</th><th>status</th><th>who</th><th>message</th></tr></thead><tbody>' +
    job.status_history.map((s) => '<tr><td>' + when(s.created) + '</td><td>' + statusBadge(s.name) + '</td><td>' + esc(s.agent_id || s.created_by_id) + '</td><td>' + esc(s.message) + '</td></tr>').join('') +
    '</tbody></table><h2>File</h2><p class="muted">file ' + esc(job.file.id) + '</p><table id="files"><thead><tr><th>revision</th><th>name</th><th>properties</th><th>size</th><th>sha256</th><th>when</th><th>who</th><th></th></tr></thead><tbody>' +
    // The SDK's revisions (job.file.revisions); whether bytes are stored comes from the revisions route.
    job.file.revisions.map((r) => '<tr><td>' + r.revision + '</td><td>' + esc(r.name) + '</td><td>' + properties(r) + '</td><td>' + esc(r.size ?? '-') + '</td><td><code>' + esc(r.content_token.sha || '-') + '</code></td><td>' + when(r.created) + (r.updated ? '<br><span class="muted">updated ' + when(r.updated) + '</span>' : '') + '</td><td>' + esc(r.created_by_id) +
      '</td><td>' + (stored.has(r.revision) ? '<button data-revision="' + r.revision + '" data-name="' + esc(r.name) + '">download</button>' : '<span class="muted">name only</span>') + '</td></tr>').join('') +
    '</tbody></table><h2>Archive history</h2><table><tbody>' +
    job.archive_status_history.map((a) => '<tr><td>' + when(a.created) + '</td><td>' + esc(a.name) + '</td><td>' + esc(a.created_by_id) + '</td><td>' + esc(a.reason) + '</td></tr>').join('') +
    '</tbody></table><h2>Comments</h2>' +
    (job.comments.length === 0 ? '<p class="muted">none</p>' : '<table><tbody>' + job.comments.map((c) => '<tr><td>' + when(c.created) + '</td><td>' + esc(c.created_by_id) + '</td><td>' + esc(c.content) + '</td><td class="muted">' + (c.comments.length ? c.comments.length + ' replies' : '') + '</td></tr>').join('') + '</tbody></table>') +
    '<h2>Audit events</h2><p id="proof" class="muted"></p><table id="audit"><thead><tr><th>#</th><th>type</th><th>who</th><th>recorded</th><th>hash</th><th>in the signed log</th></tr></thead><tbody>' +
    events.map((e) => '<tr><td>' + e.version + '</td><td>' + esc(e.type) + '</td><td>' + esc(e.metadata.actor && e.metadata.actor.id) + '</td><td>' + when(e.metadata.recorded_at) +
      '</td><td><code>' + esc(e.metadata.hash) + '</code> ' + (broken.has(e.version) ? '<span class="bad" title="' + esc(broken.get(e.version)) + '">✗ ' + esc(broken.get(e.version)) + '</span>' : '<span class="ok" title="hash recomputed by the server from the event and linked to the one before">✓ verified</span>') + '</td><td class="leaf" data-version="' + e.version + '"></td></tr>').join('') +
    '</tbody></table>';
  jobPictures(document.getElementById('pictures'), job).catch(fail);
  showProof(path).catch(() => {});
  // Downloads go through fetch, since a link cannot send the bearer token; the bytes are checked by the server.
  for (const button of document.querySelectorAll('#files button'))
    button.addEventListener('click', async () => {
      const res = await fetch(path + '/file?revision=' + button.dataset.revision, { headers: { authorization: 'Bearer ' + token() } });
      if (!res.ok) return fail(new Error(res.status + ' ' + ((await res.json().catch(() => ({}))).message || res.statusText)));
      const link = document.createElement('a');
      link.href = URL.createObjectURL(await res.blob());
      link.download = button.dataset.name;
      link.click();
      setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
    });
  const last = events.length ? events[events.length - 1].version : 0;
  stream = new EventSource('/jobs/' + encodeURIComponent(id) + '/events?access_token=' + encodeURIComponent(token()));
  stream.onmessage = null;
  let seen = last;
  const refresh = (e) => { if (Number(e.lastEventId) > seen) { seen = Number(e.lastEventId); stream.close(); showJob(id).catch(fail); } };
  for (const type of ['JobStatusChanged', 'JobArchived', 'JobRestored', 'JobCommentAdded', 'JobAgentAssigned', 'JobCreated', 'JobPropertiesUpdated', 'JobFileRevisionAdded', 'message'])
    stream.addEventListener(type, refresh);
}
// The job's inclusion proof against a new signed digest (only when the server has a signing key): each event's
// leaf in the Merkle tree over the whole log, and the proof file to check offline with jobledger check-proof.
async function showProof(path) {
  const res = await fetch(path + '/proof', { headers: { authorization: 'Bearer ' + token() } });
  const box = document.getElementById('proof');
  if (!box) return;
  if (!res.ok) { box.textContent = 'no signed digest: serve --signing-key makes one'; return; }
  const proof = await res.json();
  const d = proof.digest;
  box.innerHTML = 'proven against digest ' + esc(d.treeSize) + ' (root <code>' + esc(d.rootHash.slice(0, 16)) + '…</code>, key ' + esc(d.keyId) + ', ' + when(d.timestamp) +
    ') <button id="proof-download">download proof.json</button> — check it offline: <code>jobledger check-proof proof.json --key KEY.pub</code>';
  for (const entry of proof.events) {
    const cell = document.querySelector('#audit td.leaf[data-version="' + entry.event.version + '"]');
    if (cell) cell.textContent = 'leaf ' + entry.leafIndex + ' of ' + d.treeSize;
  }
  document.getElementById('proof-download').addEventListener('click', () => {
    const link = document.createElement('a');
    link.href = URL.createObjectURL(new Blob([JSON.stringify(proof, null, 2)], { type: 'application/json' }));
    link.download = 'proof.json';
    link.click();
    setTimeout(() => URL.revokeObjectURL(link.href), 10_000);
  });
}
function properties(r) {
  return [['display name', r.display_name], ['description', r.description], ['external id', r.external_identifier], ['version', r.version_name]]
    .filter(([, v]) => v).map(([k, v]) => esc(k) + ': ' + esc(v)).join('<br>');
}
function fail(error) { main.innerHTML = '<p class="error">' + esc(error.message) + '</p><p class="muted">Enter a bearer token above if the API answered 401.</p>'; }
function route() {
  if (stream) { stream.close(); stream = undefined; }
  stopPictures();
  const h = location.hash.replace(/^#/, '') || '/';
  const job = /^\/jobs\/([^?]+)/.exec(h);
  (job ? showJob(decodeURIComponent(job[1])) : showList(h.split('?')[1] || '')).catch(fail);
}
addEventListener('hashchange', route);
route();
`;
