// The console's shell: sign-in, the API client (cookie + CSRF token), the one live stream, and the router.
import { el, clear } from './dom.js';
import { pages } from './views.js';

const session = { name: null, role: null, csrf: null, paths: new Set() };
const ROLES = ['viewer', 'analyst', 'admin'];

export function may(role) { return ROLES.indexOf(session.role) >= ROLES.indexOf(role); }
export function who() { return session; }
// {@return true if the server declares this operation path} (pages offer only what exists)
export function has(path) { return session.paths.has(path); }

export async function api(path, opts = {}) {
  const headers = { 'X-Chirp-Console': '1', 'Accept': 'application/json' };
  const init = { method: opts.method || 'GET', headers, credentials: 'same-origin' };
  if (init.method !== 'GET') headers['X-CSRF-Token'] = session.csrf || '';
  if (opts.body !== undefined) { headers['Content-Type'] = 'application/json'; init.body = JSON.stringify(opts.body); }
  const r = await fetch(path, init);
  const text = await r.text();
  let json = null;
  try { json = text ? JSON.parse(text) : null; } catch (e) { json = { message: text }; }
  if (r.status === 401 && path !== '/api/session') { showLogin('Your session has ended. Sign in again.'); }
  if (!r.ok) {
    const e = new Error((json && json.message) || ('HTTP ' + r.status));
    e.status = r.status;
    throw e;
  }
  return json;
}

// One EventSource for the whole console; pages subscribe to message kinds and unsubscribe when they leave.
const listeners = { event: new Set(), alert: new Set(), job: new Set() };
let source = null;
export function on(kind, fn) { listeners[kind].add(fn); return () => listeners[kind].delete(fn); }
function connect() {
  if (source) source.close();
  source = new EventSource('/api/stream', { withCredentials: true });
  const live = document.getElementById('live');
  source.onopen = () => { live.classList.add('on'); live.title = 'live stream connected'; };
  source.onerror = () => { live.classList.remove('on'); live.title = 'live stream reconnecting'; };
  for (const kind of Object.keys(listeners)) {
    source.addEventListener(kind, m => {
      let data;
      try { data = JSON.parse(m.data); } catch (e) { return; }
      for (const fn of listeners[kind]) { try { fn(data); } catch (e) { console.error(e); } }
    });
  }
}

// {@return a promise of the job once it is no longer running} (progress arrives on the stream; a poll covers a gap)
export function finished(id, onProgress) {
  return new Promise((resolve, reject) => {
    let off = null, timer = null;
    const seen = j => {
      if (!j || j.id !== id) return;
      if (onProgress) onProgress(j);
      if (j.state !== 'running') { off(); clearInterval(timer); resolve(j); }
    };
    off = on('job', seen);
    timer = setInterval(() => api('/api/jobs/' + encodeURIComponent(id)).then(seen, e => { off(); clearInterval(timer); reject(e); }), 1500);
  });
}

let leave = null;
async function route() {
  if (!session.role) return;
  const [, page = 'fleet', ...rest] = location.hash.replace(/^#/, '').split('/');
  const args = rest.map(decodeURIComponent);
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.dataset.page === page || (page === 'vm' && a.dataset.page === 'fleet') || (page === 'case' && a.dataset.page === 'cases'));
  if (leave) { try { leave(); } catch (e) { /* page already gone */ } leave = null; }
  const main = clear(document.getElementById('main'));
  const view = pages[page] || pages.fleet;
  try {
    leave = await view(main, ...args) || null;
  } catch (e) {
    main.append(el('div', { class: 'panel error' }, 'Cannot show this page: ' + e.message));
  }
}

function showLogin(message) {
  session.role = null;
  if (source) { source.close(); source = null; }
  document.getElementById('shell').hidden = true;
  document.getElementById('login').hidden = false;
  document.getElementById('login-error').textContent = message || '';
}

async function signedIn(s) {
  session.name = s.name; session.role = s.role; session.csrf = s.csrf;
  try {
    const doc = await api('/api/openapi.json');
    session.paths = new Set(Object.keys(doc.paths || {}));
  } catch (e) { session.paths = new Set(); }
  document.getElementById('login').hidden = true;
  document.getElementById('shell').hidden = false;
  document.getElementById('who-name').textContent = s.name;
  document.getElementById('who-role').textContent = s.role;
  document.body.dataset.role = s.role;
  connect();
  startAlertBadge();
  if (!location.hash) location.hash = '#/fleet';
  else route();
}

let badgeOff = null;
async function startAlertBadge() {
  const badge = document.getElementById('alert-badge');
  let open = 0;
  const draw = () => { badge.hidden = open === 0; badge.textContent = String(open); };
  try { open = (await api('/api/alerts?open=true&limit=10000')).length; } catch (e) { open = 0; }
  draw();
  if (badgeOff) badgeOff();
  badgeOff = on('alert', a => { if (!a.acknowledged_by) { open++; draw(); } });
  window.addEventListener('chirp-ack', () => { open = Math.max(0, open - 1); draw(); });
}

document.getElementById('login-form').addEventListener('submit', async ev => {
  ev.preventDefault();
  const token = document.getElementById('login-token').value.trim();
  const body = token ? { token } : { user: document.getElementById('login-user').value, password: document.getElementById('login-password').value };
  const err = document.getElementById('login-error');
  err.textContent = '';
  try {
    const s = await api('/api/session', { method: 'POST', body });
    document.getElementById('login-password').value = '';
    document.getElementById('login-token').value = '';
    await signedIn(s);
  } catch (e) { err.textContent = e.status === 401 ? 'Wrong user name, password or token.' : e.message; }
});

document.getElementById('logout').addEventListener('click', async () => {
  try { await api('/api/session', { method: 'DELETE' }); } catch (e) { /* signed out anyway */ }
  showLogin('Signed out.');
});

window.addEventListener('hashchange', route);
// A page being left (reload, another site; or frozen in the back/forward cache) gives its stream's connection back at
// once: the browser keeps at most 6 connections to the server, and a stream still held by a page gone from view
// starved the console's next loads of one each (the 6th reload's data calls waited ~55 s for a free connection).
window.addEventListener('pagehide', () => { if (source) { source.close(); source = null; } });
window.addEventListener('pageshow', ev => { if (ev.persisted && session.role) connect(); });

(async () => {
  try {
    const r = await fetch('/api/session', { headers: { 'X-Chirp-Console': '1' }, credentials: 'same-origin' });
    if (r.ok) { await signedIn(await r.json()); return; }
  } catch (e) { /* not signed in */ }
  showLogin('');
})();
