// Cases: the list, a new case, one case with its VMs, alerts, evidence (what response rules collected on their own
// is marked automatic) and timeline, and its export as a bundle that `chirp evidence verify` checks offline.
import { el, clear, table, visible, bytes, ago, time, sev } from './dom.js';
import { api, may, has } from './app.js';

const enc = encodeURIComponent;

function header(title, sub, ...actions) {
  return el('div', { class: 'page-head' }, el('div', {}, el('h1', {}, title), sub ? el('p', { class: 'muted' }, sub) : null),
    el('div', { class: 'actions' }, actions));
}

export async function cases(main, id) {
  if (id) return one(main, id);
  main.append(header('Cases', 'Investigations: the alerts, VMs and evidence that belong together, exported as one verifiable bundle'));
  if (may('analyst')) {
    const title = el('input', { id: 'case-title', placeholder: 'Title, e.g. web1: shell from nginx', class: 'wide', maxlength: 200 });
    const desc = el('input', { id: 'case-description', placeholder: 'Description (optional)', class: 'wide', maxlength: 4000 });
    const msg = el('span', { class: 'muted', id: 'case-msg' });
    const create = el('button', { class: 'primary', id: 'case-create', type: 'submit' }, 'Open case');
    const form = el('form', { class: 'toolbar', id: 'case-form' }, title, desc, create, msg);
    form.addEventListener('submit', async ev => {
      ev.preventDefault();
      if (!title.value.trim()) { msg.textContent = 'a case needs a title'; return; }
      try {
        const k = await api('/api/cases', { method: 'POST', body: { title: title.value.trim(), description: desc.value.trim() || undefined } });
        location.hash = '#/cases/' + enc(k.id);
      } catch (e) { msg.textContent = e.message; }
    });
    main.append(el('div', { class: 'panel collect' }, el('h2', {}, 'New case'), form));
  }
  const list = await api('/api/cases');
  const t = table([
    { key: 'title', label: 'Case', cls: 'wrap', render: r => el('a', { href: '#/cases/' + enc(r.id), class: 'case-link' }, visible(r.title)) },
    { key: 'id', label: 'Id', cls: 'mono' },
    { key: 'auto_key', label: 'Opened', render: r => r.auto_key ? el('span', { class: 'tag auto' }, 'automatic') : el('span', { class: 'tag' }, 'by hand') },
    { key: 'created_by', label: 'By' },
    { key: 'created', label: 'Created', render: r => el('span', { title: r.created }, ago(r.created)) },
  ], [...list].reverse(), { id: 'cases-table', rowData: r => ({ id: r.id }), onRow: r => { location.hash = '#/cases/' + enc(r.id); }, empty: 'no cases yet' });
  main.append(el('div', { class: 'panel flush' }, t.node));
}

async function one(main, id) {
  const v = await api('/api/cases/' + enc(id));
  const k = v.case;
  const exportLink = may('analyst') && has('/api/cases/{id}/bundle')
    ? el('a', { class: 'button primary', id: 'case-export', href: '/api/cases/' + enc(k.id) + '/bundle', download: k.id + '.zip' }, 'Export bundle') : null;
  main.append(header(visible(k.title), k.description ? visible(k.description) : 'Case ' + k.id, exportLink));
  main.append(el('div', { class: 'facts', id: 'case-facts' }, fact('Case', k.id), fact('Opened by', k.created_by), fact('Created', time(k.created)),
    fact('VMs', v.vms.join(', ') || 'none yet'), fact('Alerts', v.alerts.length), fact('Artifacts', v.artifacts.length)));
  if (may('analyst')) main.append(addVm(k.id, v.vms));

  main.append(el('h2', {}, 'Alerts'), el('div', { class: 'panel flush' }, table([
    { key: 'time', label: 'Time', render: r => time(r.time) },
    { key: 'level', label: 'Level', render: r => sev(r.level) },
    { key: 'title', label: 'Rule', cls: 'wrap', render: r => el('b', {}, visible(r.title || r.id)) },
    { key: 'vm', label: 'VM' },
    { key: 'id', label: 'Alert', cls: 'mono' },
  ], v.alerts, { id: 'case-alerts', rowData: r => ({ id: r.id }), empty: 'no alerts in this case' }).node));

  main.append(el('h2', {}, 'Evidence'), el('div', { class: 'panel flush' }, artifacts(v.artifacts, 'case-artifacts')));

  const tl = el('div', { class: 'panel flush', id: 'case-timeline-panel' });
  const tlStatus = el('p', { class: 'muted', id: 'case-timeline-status' }, 'reading the timeline…');
  main.append(el('h2', {}, 'Timeline'), tlStatus, tl);
  await caseTimeline(k.id, v.vms, tl, tlStatus);
}

function addVm(id, vms) {
  const sel = el('select', { id: 'case-vm' });
  const msg = el('span', { class: 'muted' });
  api('/api/vms').then(r => { for (const x of r.rows) if (!vms.includes(x.name)) sel.append(el('option', { value: x.name }, visible(x.name))); }).catch(() => {});
  const add = el('button', { id: 'case-vm-add', onclick: async () => {
    if (!sel.value) return;
    try { await api('/api/cases/' + enc(id) + '/vms', { method: 'POST', body: { vm: sel.value } }); window.dispatchEvent(new Event('hashchange')); }
    catch (e) { msg.textContent = e.message; }
  } }, 'Add VM to case');
  return el('div', { class: 'toolbar' }, el('label', {}, 'VM ', sel), add, msg);
}

// Artifacts with their hashes; automatic ones name the alert that triggered them. Downloads go through the store.
// compact: for the alert's detail panel (kind, size, hash, download).
export function artifacts(list, id, compact = false) {
  const wide = [
    { key: 'collected', label: 'Collected', render: r => time(r.collected) },
    { key: 'kind', label: 'Kind', render: r => el('span', {}, visible(r.kind), r.automatic ? el('span', { class: 'tag auto' }, 'automatic') : null) },
    { key: 'vm', label: 'VM' },
    { key: 'name', label: 'Name', cls: 'wrap mono' },
    { key: 'size', label: 'Size', cls: 'num', render: r => bytes(r.size) },
    { key: 'sha256', label: 'SHA-256', cls: 'mono wrap hash' },
    { key: 'alert_id', label: 'Alert', cls: 'mono' },
    { key: 'actor', label: 'By' },
    { key: 'id', label: '', render: r => el('a', { class: 'button small', href: '/api/artifacts/' + enc(r.id) + '/content', download: '' }, 'Download') },
  ];
  const cols = compact ? wide.filter(c => ['kind', 'size', 'sha256', 'id'].includes(c.key)) : wide;
  return table(cols, list, { id, rowData: r => ({ id: r.id, kind: r.kind }), empty: 'no evidence yet' }).node;
}

// The case's own timeline route if the server has it, else one timeline of the case's VMs.
async function caseTimeline(id, vms, panel, status) {
  let r;
  if (has('/api/cases/{id}/timeline')) r = await api('/api/cases/' + enc(id) + '/timeline?order=newest&limit=2000');
  else if (vms.length) r = await api('/api/timeline?vm=' + vms.map(enc).join(',') + '&order=newest&limit=2000');
  else { status.textContent = 'add a VM to the case to see its timeline'; return; }
  status.textContent = r.rows.length + ' entries, newest first · ' + (r.complete ? 'complete' : 'PARTIAL: ' + r.problems.slice(0, 2).map(visible).join('; '));
  clear(panel).append(table([
    { key: 'time', label: 'Time', render: x => time(x.time) },
    { key: 'vm', label: 'VM' },
    { key: 'source', label: 'Source', render: x => el('span', { class: 'tag src-' + String(x.source).toLowerCase() }, visible(x.source)) },
    { key: 'kind', label: 'Kind' },
    { key: 'severity', label: 'Severity', render: x => x.severity ? sev(x.severity) : '' },
    { key: 'message', label: 'What happened', cls: 'wrap mono' },
  ], r.rows, { id: 'case-timeline', empty: 'nothing on the timeline yet' }).node);
}

// In the alert's detail: the cases it is in, and (analysts) adding it to a case.
export function caseChooser(alert) {
  const box = el('div', { class: 'toolbar', id: 'alert-case-box' });
  if (!may('analyst')) return box;
  const sel = el('select', { id: 'alert-case' }, el('option', { value: '' }, 'choose a case…'));
  const msg = el('span', { class: 'muted', id: 'alert-case-msg' });
  api('/api/cases').then(l => { for (const k of [...l].reverse()) sel.append(el('option', { value: k.id }, visible(k.title) + ' (' + k.id + ')')); }).catch(() => {});
  const add = el('button', { id: 'alert-case-add', onclick: async () => {
    if (!sel.value) { msg.textContent = 'choose a case first'; return; }
    try {
      const c = await api('/api/cases/' + enc(sel.value) + '/alerts', { method: 'POST', body: { alert: alert.id } });
      clear(msg).append('added to ', el('a', { href: '#/cases/' + enc(c.case.id) }, visible(c.case.title)));
    } catch (e) { msg.textContent = e.message; }
  } }, 'Add to case');
  box.append(el('label', {}, 'Case ', sel), add, msg);
  return box;
}

function fact(k, val) { return el('div', { class: 'fact' }, el('div', { class: 'fact-k' }, k), el('div', { class: 'fact-v' }, visible(val ?? ''))); }
