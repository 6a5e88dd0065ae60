// The VM page's Files tab: one directory of the VM's disk at a time, with MACB times, read at a point in time through
// the API; a file is downloaded by extracting it as a job into the evidence store, so every download has a
// SHA-256, a manifest and a custody record, and the bytes come from the store, not from a second reader.
import { el, clear, table, visible, bytes, time, progressText } from './dom.js';
import { api, may, has, finished } from './app.js';

const enc = encodeURIComponent;

function parentOf(path) {
  const p = path.replace(/\/+$/, '');
  const i = p.lastIndexOf('/');
  return i <= 0 ? '/' : p.slice(0, i);
}

function nameOf(path) { return String(path).split('/').pop() || '/'; }

// A safe local file name for the browser's download (the guest's name is shown, never trusted as a path).
function saveName(path) { return (nameOf(path).replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+/, '') || 'file').slice(0, 100); }

function crumbs(name, path) {
  const parts = path.split('/').filter(Boolean);
  const out = [el('span', { class: 'muted' }, 'disk\u00a0'), el('a', { href: '#/vm/' + enc(name) + '/files', class: 'crumb' }, '/')];
  let at = '';
  parts.forEach((p, i) => {
    at += '/' + p;
    if (i > 0) out.push(el('span', { class: 'muted' }, '/'));
    out.push(el('a', { href: '#/vm/' + enc(name) + '/files/' + enc(at), class: 'crumb' }, visible(p)));
  });
  return el('div', { class: 'crumbs', id: 'disk-path', dataset: { path } }, out);
}

export async function files(body, name, path = '/') {
  const filter = el('input', { class: 'search', placeholder: 'Filter files', id: 'files-filter' });
  const status = el('span', { class: 'muted', id: 'files-status' }, 'reading the disk…');
  const out = el('div', { class: 'download-status', id: 'download-status', hidden: true });
  body.append(el('div', { class: 'toolbar' }, crumbs(name, path), filter, status), out);
  const canExtract = may('analyst') && has('/api/jobs/extractions');
  const t = table([
    { key: 'name', label: 'Name', cls: 'wrap mono', render: r => r.type === 'directory'
        ? el('a', { href: '#/vm/' + enc(name) + '/files/' + enc(r.path), class: 'dir' }, visible(r.name) + '/')
        : el('span', { class: r.deleted ? 'deleted' : null }, visible(r.name), r.target ? el('span', { class: 'muted' }, ' → ' + visible(r.target)) : null) },
    { key: 'type', label: 'Type' },
    { key: 'mode', label: 'Mode', cls: 'mono' },
    { key: 'uid', label: 'UID', cls: 'num' },
    { key: 'size', label: 'Size', cls: 'num', render: r => r.type === 'directory' ? '' : bytes(r.size) },
    { key: 'modified', label: 'Modified (M)', render: r => time(r.modified) },
    { key: 'accessed', label: 'Accessed (A)', render: r => time(r.accessed) },
    { key: 'changed', label: 'Changed (C)', render: r => time(r.changed) },
    { key: 'born', label: 'Born (B)', render: r => time(r.born) },
    { key: 'path', label: '', render: r => r.type === 'regular' && canExtract
        ? el('button', { class: 'small download', onclick: ev => { ev.stopPropagation(); download(name, r.path, r.size, out); } }, 'Download') : '' },
  ], [], { id: 'files-table', sort: 'name', rowClass: r => r.deleted ? 'deleted' : null, rowData: r => ({ path: r.path, type: r.type }),
    empty: 'empty directory' });
  filter.addEventListener('input', () => t.filter(filter.value));
  body.append(t.node);
  const q = ['path=' + enc(path)];
  const r = await api('/api/vms/' + enc(name) + '/disk/files?' + q.join('&'));
  const rows = r.rows.map(f => ({ ...f, name: nameOf(f.path) }));
  if (path !== '/') rows.unshift({ path: parentOf(path), name: '..', type: 'directory' });
  t.update(rows);
  status.textContent = r.rows.length + ' entries · ' + (r.complete ? 'complete' : 'PARTIAL: ' + r.problems.slice(0, 2).map(visible).join('; '));
}

async function download(vm, path, size, out) {
  out.hidden = false;
  const bar = el('progress', { max: 100, value: 0, class: 'bar', id: 'download-bar' });
  const line = el('span', { id: 'download-line' }, 'extracting ' + visible(path) + ' through the evidence store…');
  const done_ = el('span', { class: 'muted small', id: 'download-progress' });
  clear(out).append(bar, line, ' ', done_);
  out.dataset.state = 'running';
  try {
    const j = await api('/api/jobs/extractions', { method: 'POST', body: { vm, path } });
    // the job reports bytes of the file's size as it copies (read from the disk, or holes)
    const done = await finished(j.id, p => {
      if (p.total) bar.value = Math.min(100, 100 * p.bytes / p.total);
      done_.textContent = progressText(p);
    });
    if (done.state !== 'succeeded' || !done.artifact_id) {
      out.dataset.state = 'failed';
      line.textContent = 'extraction ' + done.state + (done.error ? ': ' + visible(done.error) : '');
      return;
    }
    bar.value = 100;
    const link = el('a', { href: '/api/artifacts/' + enc(done.artifact_id) + '/content', download: saveName(path), id: 'download-link', class: 'button' }, 'Save again');
    clear(line).append(el('b', {}, visible(path)), ' · ' + bytes(size) + ' · SHA-256 ', el('code', { id: 'download-sha' }, done.sha256), ' ', link);
    out.dataset.state = 'succeeded';
    out.dataset.artifact = done.artifact_id;
    link.click();
  } catch (e) {
    out.dataset.state = 'failed';
    line.textContent = 'cannot extract ' + visible(path) + ': ' + e.message;
  }
}
