/**
 * The page's pictures, plain browser JavaScript in their own file (`/pictures.js`, loaded before `page.js`),
 * drawn as inline SVG by hand: no chart library, nothing fetched from elsewhere, no `style` attributes (the CSP
 * allows none), colours from `page.css` classes.
 *
 * - `jobPictures(container, job)`: the status machine from `/machine.json` (laid out from the machine itself)
 *   with this job's path highlighted, and a bar of the time the job spent in each status;
 * - `listPictures(container, archiveStatus)`: jobs per status (a bar each) and the created / completed / failed
 *   sparkline of the last 15 minutes, live from `GET /overview/events` (redrawn when they changed);
 * - `stopPictures()`: stops the timers and streams when the page shows something else.
 */
export const picturesScript = String.raw`'use strict';
const svgNs = 'http://www.w3.org/2000/svg';
const pictureTimers = new Set();
const pictureStreams = new Set();
function stopPictures() {
  for (const t of pictureTimers) clearInterval(t);
  pictureTimers.clear();
  for (const s of pictureStreams) s.close();
  pictureStreams.clear();
}
function svgElement(name, attributes, text) {
  const el = document.createElementNS(svgNs, name);
  for (const [k, v] of Object.entries(attributes || {})) el.setAttribute(k, String(v));
  if (text !== undefined) el.textContent = text;
  return el;
}
function titled(el, text) { el.appendChild(svgElement('title', {}, text)); return el; }
function duration(ms) {
  if (ms < 1000) return Math.round(ms) + ' ms';
  const s = ms / 1000;
  if (s < 60) return (s < 10 ? s.toFixed(1) : Math.round(s)) + ' s';
  const m = Math.floor(s / 60);
  if (m < 60) return m + ' min ' + Math.round(s - m * 60) + ' s';
  const h = Math.floor(m / 60);
  return h + ' h ' + (m - h * 60) + ' min';
}
let machineLayout;
function loadMachine() {
  machineLayout = machineLayout || fetch('/machine.json').then((r) => { if (!r.ok) throw new Error('machine.json ' + r.status); return r.json(); });
  return machineLayout;
}
const terminalNames = new Set(['Completed', 'Failed', 'Canceled']);

async function jobPictures(container, job) {
  const m = await loadMachine();
  container.replaceChildren();
  const names = job.status_history.map((s) => s.name);
  const taken = new Set(names.slice(1).map((to, i) => names[i] + '>' + to));
  const visited = new Set(names);
  const current = names[names.length - 1];
  const at = new Map(m.states.map((s) => [s.name, s]));
  const w = m.box.width, h = m.box.height;
  const svg = svgElement('svg', { id: 'machine', viewBox: '0 0 ' + m.width + ' ' + m.height, width: m.width, height: m.height, role: 'img', 'aria-label': 'the status machine, with the path of this job' });
  const defs = svgElement('defs');
  for (const kind of ['edge', 'taken']) {
    const marker = svgElement('marker', { id: 'arrow-' + kind, viewBox: '0 0 8 8', refX: 7, refY: 4, markerUnits: 'userSpaceOnUse', markerWidth: 9, markerHeight: 9, orient: 'auto-start-reverse' });
    marker.appendChild(svgElement('path', { d: 'M0,0 L8,4 L0,8 z', class: 'arrow ' + kind }));
    defs.appendChild(marker);
  }
  svg.appendChild(defs);
  const edges = svgElement('g', { class: 'edges' });
  const onTop = [];
  for (const e of m.edges) {
    const a = at.get(e.from), b = at.get(e.to);
    let d;
    if (b.x > a.x) {
      const x1 = a.x + w / 2, x2 = b.x - w / 2, mx = (x1 + x2) / 2;
      d = 'M' + x1 + ',' + a.y + ' C' + mx + ',' + a.y + ' ' + mx + ',' + b.y + ' ' + x2 + ',' + b.y;
    } else if (b.x < a.x) {
      // A way back (release, requeue): an arc over the boxes.
      const lift = 26 + (a.x - b.x) / 12;
      d = 'M' + (a.x - 14) + ',' + (a.y - h / 2) + ' C' + (a.x - 14) + ',' + (a.y - h / 2 - lift) + ' ' + (b.x + 14) + ',' + (b.y - h / 2 - lift) + ' ' + (b.x + 14) + ',' + (b.y - h / 2);
    } else {
      const side = a.x + w / 2;
      d = 'M' + side + ',' + (a.y + 6) + ' C' + (side + 34) + ',' + (a.y + 6) + ' ' + (side + 34) + ',' + (b.y - 6) + ' ' + side + ',' + (b.y - 6);
    }
    const isTaken = taken.has(e.from + '>' + e.to);
    const path = titled(svgElement('path', { d, class: 'edge' + (isTaken ? ' taken' : ''), 'marker-end': 'url(#arrow-' + (isTaken ? 'taken' : 'edge') + ')', 'data-from': e.from, 'data-to': e.to }), e.from + ' → ' + e.to);
    // The job's own path is drawn last, over the others.
    if (isTaken) onTop.push(path); else edges.appendChild(path);
  }
  for (const p of onTop) edges.appendChild(p);
  svg.appendChild(edges);
  const start = at.get(m.initial);
  svg.appendChild(svgElement('circle', { cx: start.x - w / 2 - 22, cy: start.y, r: 6, class: 'initial' }));
  svg.appendChild(svgElement('path', { d: 'M' + (start.x - w / 2 - 16) + ',' + start.y + ' L' + (start.x - w / 2) + ',' + start.y, class: 'edge taken', 'marker-end': 'url(#arrow-taken)' }));
  for (const s of m.states) {
    const g = svgElement('g', { class: 'state status-' + s.name + (visited.has(s.name) ? ' visited' : '') + (s.name === current ? ' current' : '') + (s.terminal ? ' terminal' : ''), 'data-status': s.name });
    g.appendChild(svgElement('rect', { x: s.x - w / 2, y: s.y - h / 2, width: w, height: h, rx: s.terminal ? 15 : 6 }));
    g.appendChild(svgElement('text', { x: s.x, y: s.y + 4, 'text-anchor': 'middle' }, s.name));
    svg.appendChild(titled(g, s.name + (visited.has(s.name) ? ' (this job was here)' : '')));
  }
  container.appendChild(svg);
  const bar = document.createElement('div');
  bar.id = 'time-bar';
  container.appendChild(bar);
  drawTimeBar(bar, job);
  if (!terminalNames.has(current)) {
    // The current status's time grows while the page is open.
    const timer = setInterval(() => (bar.isConnected ? drawTimeBar(bar, job) : clearInterval(timer)), 1000);
    pictureTimers.add(timer);
  }
}

function drawTimeBar(container, job) {
  const history = job.status_history;
  const now = Date.now();
  const spans = [];
  for (let i = 0; i < history.length; i++) {
    const from = Date.parse(history[i].created);
    const last = i === history.length - 1;
    if (last && terminalNames.has(history[i].name)) break;
    const to = last ? Math.max(now, from) : Date.parse(history[i + 1].created);
    spans.push({ name: history[i].name, ms: Math.max(0, to - from), open: last });
  }
  const total = spans.reduce((n, s) => n + s.ms, 0);
  const svg = svgElement('svg', { viewBox: '0 0 1000 26', preserveAspectRatio: 'none', class: 'time-bar', role: 'img', 'aria-label': 'time spent in each status' });
  let x = 0;
  for (const s of spans) {
    const width = total > 0 ? (s.ms / total) * 1000 : 1000 / spans.length;
    svg.appendChild(titled(svgElement('rect', { x, y: 0, width: Math.max(width, 1.5), height: 26, class: 'segment status-' + s.name, 'data-status': s.name, 'data-ms': s.ms }), s.name + ': ' + duration(s.ms) + (s.open ? ' so far' : '')));
    x += width;
  }
  const byStatus = new Map();
  for (const s of spans) byStatus.set(s.name, (byStatus.get(s.name) || 0) + s.ms);
  const legend = document.createElement('p');
  legend.className = 'legend';
  for (const [name, ms] of byStatus) {
    const item = document.createElement('span');
    item.className = 'key status-' + name;
    item.textContent = name + ' ' + duration(ms);
    legend.appendChild(item);
  }
  const heading = document.createElement('p');
  heading.className = 'muted';
  heading.textContent = 'Time in each status: ' + duration(total) + (spans.length && spans[spans.length - 1].open ? ' so far' : ' in all');
  container.replaceChildren(heading, svg, legend);
}

async function listPictures(container, archiveStatus) {
  // Live from the server: an overview at once, then one whenever it changed (EventSource reconnects by itself).
  const stream = new EventSource('/overview/events?archive_status=' + encodeURIComponent(archiveStatus) + '&access_token=' + encodeURIComponent(token()));
  pictureStreams.add(stream);
  stream.addEventListener('overview', (e) => {
    // A list the page replaced since: close this stream only (the new list has its own).
    if (!container.isConnected) { stream.close(); pictureStreams.delete(stream); return; }
    const o = JSON.parse(e.data);
    container.replaceChildren(statusBars(o.counts), sparkline(o.throughput));
  });
}

function statusBars(counts) {
  const names = Object.keys(counts);
  const max = Math.max(1, ...Object.values(counts));
  const rowH = 20, labelW = 92, barW = 300;
  const figure = document.createElement('figure');
  figure.className = 'picture';
  const svg = svgElement('svg', { id: 'status-bars', viewBox: '0 0 ' + (labelW + barW + 50) + ' ' + (names.length * rowH), width: labelW + barW + 50, height: names.length * rowH, role: 'img', 'aria-label': 'jobs per status' });
  names.forEach((name, i) => {
    const g = svgElement('g', { class: 'bar status-' + name, 'data-status': name, 'data-count': counts[name] });
    g.appendChild(svgElement('text', { x: labelW - 8, y: i * rowH + 14, 'text-anchor': 'end' }, name));
    g.appendChild(svgElement('rect', { x: labelW, y: i * rowH + 3, width: Math.max((counts[name] / max) * barW, counts[name] > 0 ? 2 : 0), height: rowH - 6, rx: 3 }));
    g.appendChild(svgElement('text', { x: labelW + (counts[name] / max) * barW + 6, y: i * rowH + 14, class: 'count' }, String(counts[name])));
    svg.appendChild(titled(g, name + ': ' + counts[name]));
  });
  figure.appendChild(svg);
  const caption = document.createElement('figcaption');
  caption.textContent = 'Jobs per status';
  figure.appendChild(caption);
  return figure;
}

function sparkline(t) {
  const w = 320, h = 90, pad = 6;
  const flows = ['created', 'completed', 'failed'];
  const n = t.created.length;
  const max = Math.max(1, ...flows.flatMap((f) => t[f]));
  const figure = document.createElement('figure');
  figure.className = 'picture';
  const svg = svgElement('svg', { id: 'throughput', viewBox: '0 0 ' + w + ' ' + h, width: w, height: h, role: 'img', 'aria-label': 'jobs created, completed and failed per minute' });
  svg.appendChild(svgElement('line', { x1: pad, y1: h - pad, x2: w - pad, y2: h - pad, class: 'axis' }));
  for (const f of flows) {
    const points = t[f].map((v, i) => (pad + (i * (w - 2 * pad)) / Math.max(1, n - 1)).toFixed(1) + ',' + (h - pad - (v / max) * (h - 2 * pad)).toFixed(1));
    svg.appendChild(titled(svgElement('polyline', { points: points.join(' '), class: 'flow ' + f, 'data-flow': f, 'data-total': t[f].reduce((a, b) => a + b, 0) }), f + ' per minute: ' + t[f].join(', ')));
  }
  figure.appendChild(svg);
  const caption = document.createElement('figcaption');
  const minutes = Math.round((n * t.bucket_seconds) / 60);
  caption.append('Last ' + minutes + ' minutes, per minute: ');
  for (const f of flows) {
    const key = document.createElement('span');
    key.className = 'key flow-' + f;
    key.textContent = f + ' ' + t[f].reduce((a, b) => a + b, 0);
    caption.append(key, ' ');
  }
  figure.appendChild(caption);
  return figure;
}
`;
