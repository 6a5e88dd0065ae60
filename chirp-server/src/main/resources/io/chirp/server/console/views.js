// The console's pages. Every value from a guest (names, command lines, paths) reaches the page through dom.js's
// text nodes; control characters are shown as \xNN.
import { el, clear, table, visible, bytes, ago, time, sev, progressText } from './dom.js';
import { api, on, may, has } from './app.js';
import { files } from './disk.js';
import { cases, artifacts, caseChooser } from './cases.js';

const enc = encodeURIComponent;

function header(title, sub, ...actions) {
  return el('div', { class: 'page-head' }, el('div', {}, el('h1', {}, title), sub ? el('p', { class: 'muted' }, sub) : null),
    el('div', { class: 'actions' }, actions));
}

function stateChip(s) {
  if (!s) return el('span', { class: 'state', title: 'chirp serve does not watch this VM (see --vm)' }, 'not watched');
  const st = s.state || 'unknown';
  return el('span', { class: 'state state-' + st.replace(/[^a-z]/g, ''), title: s && s.detail ? visible(s.detail) : null }, st);
}

// ---------------------------------------------------------------- Fleet
async function fleet(main) {
  const filter = el('input', { class: 'search', placeholder: 'Filter VMs', id: 'fleet-filter' });
  main.append(header('Fleet', 'Every VM on this host and on the fleet\'s sensor hosts, as the hypervisor and the guest\'s own kernel memory show it', filter));
  const summary = el('div', { class: 'cards' });
  main.append(summary);
  const lastEvent = new Map(), asked = new Set(), live = new Set(); // live: VMs whose last event came from the stream
  let rows = [];
  const t = table([
    { key: 'name', label: 'VM', render: r => el('a', { href: '#/vm/' + enc(r.name), class: 'vm-link' }, visible(r.name)) },
    { key: 'host', label: 'Host', render: r => r.host ? el('span', { class: 'host' + (r.host_lost ? ' lost' : '') }, visible(r.host)) : el('span', { class: 'muted' }, 'this host') },
    { key: 'backend', label: 'Back-end' },
    { key: 'state', label: 'State', render: r => stateChip(r.monitor) },
    { key: 'kernel', label: 'Kernel', cls: 'wrap' },
    { key: 'memory', label: 'Memory', render: r => bytes(r.memory) },
    { key: 'memory_path', label: 'Memory path', render: r => el('code', {}, r.memory_path || '') },
    { key: 'open_alerts', label: 'Open alerts', render: r => r.open_alerts ? el('span', { class: 'count hot' }, r.open_alerts) : el('span', { class: 'count' }, '0') },
    { key: 'last_event', label: 'Last event', cls: 'wrap', render: r => r.last_event ? el('span', {}, el('span', { class: 'muted' }, ago(r.last_event.time) + ' · '), visible(r.last_event.summary)) : '' },
  ], rows, { id: 'fleet-table', sort: 'name', empty: 'no VM is running on this host', rowData: r => ({ vm: r.name }) });
  filter.addEventListener('input', () => t.filter(filter.value));
  main.append(el('div', { class: 'panel flush' }, t.node));
  async function load() {
    const [vms, alerts, fleetHosts] = await Promise.all([api('/api/vms'), api('/api/alerts?open=true&limit=10000'),
      has('/api/fleet') ? api('/api/fleet').then(f => f.hosts || [], () => []) : []]);
    const open = {};
    for (const a of alerts) open[a.vm] = (open[a.vm] || 0) + 1;
    rows = vms.rows.map(v => ({ ...v, backend: v.backend || 'qemu', monitor: vms.monitor[v.name] || null,
      state: (vms.monitor[v.name] || {}).state || 'not watched', kernel: (vms.monitor[v.name] || {}).kernel || '',
      open_alerts: open[v.name] || 0, last_event: lastEvent.get(v.name) }));
    for (const name of Object.keys(vms.monitor)) {
      if (!rows.some(r => r.name === name)) rows.push({ name, backend: 'qemu', monitor: vms.monitor[name], state: vms.monitor[name].state, kernel: vms.monitor[name].kernel || '', open_alerts: open[name] || 0 });
    }
    // the VMs of sensor hosts (chirp serve --kafka): a lost host's VMs are unknown, whatever they last said
    for (const h of fleetHosts) {
      const lost = h.status === 'LOST';
      for (const v of h.vms || []) {
        if (rows.some(r => r.name === v.name && r.host === h.sensor)) continue;
        const st = lost ? 'unknown' : v.state;
        rows.push({ name: v.name, host: h.sensor, host_lost: lost, backend: 'sensor', monitor: { state: st, detail: v.detail, since: v.since },
          state: st, kernel: '', open_alerts: open[v.name] || 0, last_event: lastEvent.get(v.name) });
      }
    }
    t.update(rows);
    // each VM's newest event: from one query of the store's newest events, once (the stream keeps them fresh); the
    // rows are drawn first and get their last events when the query answers
    if (!asked.size) {
      asked.add('*');
      api('/api/events?limit=2000').then(r => {
        for (const e of r.rows) if (!live.has(e.vm)) lastEvent.set(e.vm, e); // oldest first: the newest stays; the stream's are newer
        for (const x of rows) x.last_event = lastEvent.get(x.name);
        t.update(rows);
      }, () => { /* the events are not readable now */ });
    }
    clear(summary).append(
      card('VMs', rows.length), card('Watched', rows.filter(r => r.monitor).length),
      card('Running', rows.filter(r => ['running', 'attached'].includes(r.state)).length),
      card('Open alerts', alerts.length, alerts.length ? 'hot' : ''));
  }
  await load();
  const timer = setInterval(() => load().catch(() => {}), 3000);
  const off = on('event', e => {
    const vm = e.device && e.device.name;
    if (!vm) return;
    live.add(vm);
    lastEvent.set(vm, { time: new Date(e.time || Date.now()).toISOString(), summary: e.message || e.class_name || 'event' });
  });
  return () => { clearInterval(timer); off(); };
}

function card(label, value, cls) {
  return el('div', { class: 'card ' + (cls || '') }, el('div', { class: 'card-value' }, String(value)), el('div', { class: 'card-label' }, label));
}

// ---------------------------------------------------------------- VM
const TABS = ['processes', 'sockets', 'modules', 'mounts', 'checks', 'registers', 'memory', 'files'];
// tabs that need a route the server may not have
const TAB_ROUTE = { memory: '/api/vms/{vm}/memory', files: '/api/vms/{vm}/disk/files' };

async function vm(main, name, tab = 'processes', ...rest) {
  if (!name) { location.hash = '#/fleet'; return; }
  const vms = await api('/api/vms/' + enc(name)).catch(() => null);
  const mon = vms && vms.monitor[name];
  const info = vms && vms.rows[0];
  main.append(header(visible(name), mon && mon.kernel ? visible(mon.kernel) : 'VM', stateChip(mon),
    may('analyst') ? el('a', { class: 'button', href: '#/evidence/' + enc(name) }, 'Take evidence') : null));
  if (info) {
    main.append(el('div', { class: 'facts' },
      fact('Back-end', info.backend || 'qemu'), fact('QEMU pid', info.pid), fact('Memory', bytes(info.memory)),
      fact('Memory path', info.memory_path), fact('Monitor', mon ? mon.state + (mon.since ? ' · ' + ago(mon.since) : '') : 'not watched')));
  }
  const tabs = el('div', { class: 'tabs' }, TABS.filter(t => !TAB_ROUTE[t] || has(TAB_ROUTE[t])).map(t =>
    el('a', { href: '#/vm/' + enc(name) + '/' + t, class: t === tab ? 'active' : '', id: 'tab-' + t }, t[0].toUpperCase() + t.slice(1))));
  main.append(tabs);
  const body = el('div', { class: 'panel flush' });
  main.append(body);
  const views = { processes, sockets, modules, mounts, checks, registers, memory, files };
  return (views[tab] || processes)(body, name, ...rest);
}

function fact(k, v) { return el('div', { class: 'fact' }, el('div', { class: 'fact-k' }, k), el('div', { class: 'fact-v' }, visible(v ?? ''))); }

function basename(p) { return p ? String(p).split('/').pop() : ''; }

// A process masquerades when its argv names neither its kernel name (comm, from the file it executed) nor the
// executable: a script's comm is the script (argv[1]) and a busybox applet's comm is argv[0], so neither is flagged.
function masquerade(p) {
  if (p.kthread || !p.comm || !p.cmdline) return null;
  const args = String(p.cmdline).split(' ').slice(0, 3).map(a => basename(a).slice(0, 15));
  const exe = basename(p.exe).slice(0, 15);
  if (args.includes(p.comm) || (exe && args.includes(exe))) return null;
  return 'argv[0] "' + visible(args[0]) + '" but the kernel name is "' + visible(p.comm) + '"' + (p.exe ? ' and the executable ' + visible(p.exe) : '');
}

async function processes(body, name) {
  const seen = new Map(); // pid -> first seen (ms)
  let first = true;
  const kthreads = el('input', { type: 'checkbox', id: 'show-kthreads' });
  const filter = el('input', { class: 'search', placeholder: 'Filter processes', id: 'proc-filter' });
  const status = el('span', { class: 'muted', id: 'proc-status' }, 'reading the task list…');
  body.append(el('div', { class: 'toolbar' }, filter, el('label', { class: 'check' }, kthreads, ' kernel threads'), status));
  const t = table([
    { key: 'pid', label: 'PID', cls: 'num' },
    { key: 'ppid', label: 'PPID', cls: 'num' },
    { key: 'comm', label: 'Name (comm)', render: r => el('span', { class: 'tree', dataset: { depth: Math.min(r.depth, 12) } }, el('span', { class: 'proc-name' }, visible(r.comm))) },
    { key: 'cmdline', label: 'Command line (argv)', cls: 'wrap mono', render: r => el('span', { class: 'proc-cmdline' }, visible(r.cmdline)) },
    { key: 'exe', label: 'Executable', cls: 'wrap mono', render: r => visible(r.exe) },
    { key: 'uid', label: 'UID', cls: 'num' },
    { key: 'state', label: 'St' },
    { key: 'flag', label: '', render: r => r.masq ? el('span', { class: 'sev sev-high', title: r.masq }, 'masquerade') : (r.isNew ? el('span', { class: 'tag new' }, 'new') : '') },
  ], [], { id: 'proc-table', rowClass: r => (r.isNew ? 'new ' : '') + (r.masq ? 'masq' : ''), rowData: r => ({ pid: r.pid }) });
  filter.addEventListener('input', () => t.filter(filter.value));
  body.append(t.node);
  let rows = [], busy = false, again = false;
  async function load() {
    if (busy) { again = true; return; }
    busy = true;
    try {
      const [aux, list] = await Promise.all([api('/api/vms/' + enc(name) + '/linux/psaux'), api('/api/vms/' + enc(name) + '/linux/pslist')]);
      const byPid = new Map(list.rows.map(p => [p.pid, p]));
      const now = Date.now();
      const procs = aux.rows.map(a => ({ ...(byPid.get(a.pid) || {}), ...a }));
      for (const p of procs) if (!seen.has(p.pid)) seen.set(p.pid, first ? 0 : now);
      for (const pid of [...seen.keys()]) if (!byPid.has(pid) && !procs.some(p => p.pid === pid)) seen.delete(pid);
      first = false;
      rows = treeOrder(procs).map(p => ({ ...p, isNew: now - seen.get(p.pid) < 15000, masq: masquerade(p) }));
      draw();
      status.textContent = procs.length + ' processes · ' + (aux.complete && list.complete ? 'complete' : 'PARTIAL: ' + [...aux.problems, ...list.problems].slice(0, 2).map(visible).join('; ')) + ' · ' + time(new Date().toISOString());
    } catch (e) {
      status.textContent = 'cannot read the task list: ' + e.message;
    } finally {
      busy = false;
      if (again) { again = false; load(); }
    }
  }
  function draw() { t.update(kthreads.checked ? rows : rows.filter(r => !r.kthread)); }
  kthreads.addEventListener('change', draw);
  await load();
  const timer = setInterval(load, 2500);
  const off = on('event', e => { if (e.device && e.device.name === name && e.class_uid === 1007) load(); });
  return () => { clearInterval(timer); off(); };
}

function treeOrder(procs) {
  const byPid = new Map(procs.map(p => [p.pid, p]));
  const kids = new Map();
  for (const p of procs) {
    const parent = byPid.has(p.ppid) && p.ppid !== p.pid ? p.ppid : 0;
    if (!kids.has(parent)) kids.set(parent, []);
    kids.get(parent).push(p);
  }
  const out = [], done = new Set();
  const walk = (pid, depth) => {
    for (const c of (kids.get(pid) || []).sort((a, b) => a.pid - b.pid)) {
      if (done.has(c.pid) || out.length > 100000) continue; // a cycle in guest data must not loop
      done.add(c.pid);
      out.push({ ...c, depth });
      walk(c.pid, depth + 1);
    }
  };
  walk(0, 0);
  for (const p of procs) if (!done.has(p.pid)) out.push({ ...p, depth: 0 });
  return out;
}

async function tableView(body, path, columns, opts = {}) {
  const filter = el('input', { class: 'search', placeholder: 'Filter' });
  const status = el('span', { class: 'muted' }, 'reading…');
  body.append(el('div', { class: 'toolbar' }, filter, status));
  const t = table(columns, [], opts);
  filter.addEventListener('input', () => t.filter(filter.value));
  body.append(t.node);
  const r = await api(path);
  const rows = opts.map ? r.rows.map(opts.map) : r.rows;
  t.update(rows);
  status.textContent = rows.length + ' rows · ' + (r.complete ? 'complete' : 'PARTIAL: ' + r.problems.slice(0, 3).map(visible).join('; '));
  return r;
}

const sockets = (b, n) => tableView(b, '/api/vms/' + enc(n) + '/linux/sockets', [
  { key: 'proto', label: 'Proto' }, { key: 'state', label: 'State' }, { key: 'local', label: 'Local', cls: 'mono' },
  { key: 'remote', label: 'Remote', cls: 'mono' }, { key: 'owners', label: 'Processes', cls: 'wrap mono' }, { key: 'seen', label: 'Seen in' }],
  { id: 'sockets-table', sort: 'proto' });
const modules = (b, n) => tableView(b, '/api/vms/' + enc(n) + '/linux/lsmod', [
  { key: 'name', label: 'Module' }, { key: 'size', label: 'Size', cls: 'num', render: r => bytes(r.size) }, { key: 'state', label: 'State' },
  { key: 'refs', label: 'Refs', cls: 'num' }, { key: 'taints', label: 'Taints', render: r => r.taints ? el('span', { class: 'sev sev-medium' }, visible(r.taints)) : '' },
  { key: 'base', label: 'Base', cls: 'mono' }], { id: 'modules-table', sort: 'name' });
const mounts = (b, n) => tableView(b, '/api/vms/' + enc(n) + '/linux/mounts', [
  { key: 'device', label: 'Device', cls: 'mono' }, { key: 'mountpoint', label: 'Mount point', cls: 'mono' }, { key: 'type', label: 'Type' },
  { key: 'options', label: 'Options', cls: 'wrap mono' }], { id: 'mounts-table' });

async function registers(body, name) {
  const r = await api('/api/vms/' + enc(name) + '/registers');
  const cpus = new Map();
  for (const row of r.rows) { if (!cpus.has(row.vcpu)) cpus.set(row.vcpu, []); cpus.get(row.vcpu).push(row); }
  const grid = el('div', { class: 'regs', id: 'registers' });
  for (const [cpu, regs] of cpus) {
    grid.append(el('div', { class: 'reg-cpu' }, el('h3', {}, 'vCPU ' + cpu),
      el('dl', {}, regs.flatMap(x => [el('dt', {}, visible(x.register)), el('dd', { class: 'mono' }, visible(x.value))]))));
  }
  body.append(grid);
}

async function checks(body, name) {
  const status = el('p', { class: 'muted pad' }, 'running the integrity checks (hidden processes and modules, hooks, IDT, kprobes, ftrace, credentials)…');
  body.append(status);
  const r = await api('/api/vms/' + enc(name) + '/linux/check');
  status.textContent = r.findings.rows.length + ' findings · ' + (r.alarming ? 'ALARMING' : 'nothing alarming');
  const rank = { critical: 0, warning: 1, info: 2 };
  const rows = [...r.findings.rows].sort((a, b) => (rank[String(a.severity).toLowerCase()] ?? 3) - (rank[String(b.severity).toLowerCase()] ?? 3));
  const cols = r.findings.columns.map(c => ({ key: c.name, label: c.name, cls: c.name === 'finding' || c.name === 'evidence' ? 'wrap' : null,
    render: c.name === 'severity' ? (x => sev(x.severity)) : null }));
  body.append(table(cols, rows, { id: 'checks-table', empty: 'no findings' }).node);
  body.append(el('h3', { class: 'pad' }, 'What each check examined'));
  body.append(table(r.checks.columns.map(c => ({ key: c.name, label: c.name, cls: 'wrap' })), r.checks.rows, {}).node);
}

async function memory(body, name) {
  const addr = el('input', { id: 'hex-addr', class: 'mono', placeholder: 'kernel text (default)', size: 22 });
  const space = el('select', { id: 'hex-space' }, el('option', { value: 'virtual' }, 'kernel virtual'), el('option', { value: 'physical' }, 'physical'));
  const len = el('select', { id: 'hex-length' }, [256, 512, 1024, 4096].map(n => el('option', { value: n, selected: n === 512 }, n + ' bytes')));
  const go = el('button', { class: 'primary', id: 'hex-go', type: 'button' }, 'Read');
  const out = el('pre', { class: 'hex', id: 'hex-out' });
  const status = el('span', { class: 'muted', id: 'hex-status' });
  body.append(el('div', { class: 'toolbar' }, space, addr, len, go, status), out);
  async function read() {
    status.textContent = 'reading…';
    // no address: the API starts a virtual read at the kernel's text (and a physical one at 0)
    const q = ['length=' + len.value, 'space=' + space.value];
    if (addr.value.trim()) q.push('address=' + enc(addr.value.trim()));
    try {
      const r = await api('/api/vms/' + enc(name) + '/memory?' + q.join('&'));
      const readable = r.length - r.holes.reduce((n, h) => n + h.length, 0);
      out.textContent = hexdump(r);
      status.textContent = space.value + ' ' + r.address + ' · ' + readable + ' of ' + r.length + ' bytes readable' + (r.holes.length ? ' · ?? = ' + visible(r.holes[0].reason) : '');
    } catch (e) { status.textContent = e.message; }
  }
  go.addEventListener('click', read);
  await read();
}

// 16 bytes a line: address, hex, ASCII; bytes in a hole show as ??.
function hexdump(r) {
  const base = BigInt(r.address), lines = [];
  const holes = r.holes.map(h => [BigInt(h.start), BigInt(h.start) + BigInt(h.length)]);
  const missing = a => holes.some(([s, e]) => a >= s && a < e);
  for (let off = 0; off < r.length; off += 16) {
    const hex = [], asc = [];
    for (let i = off; i < Math.min(off + 16, r.length); i++) {
      const a = base + BigInt(i);
      if (missing(a)) { hex.push('??'); asc.push(' '); continue; }
      const b = parseInt(r.hex.substr(i * 2, 2), 16);
      hex.push(r.hex.substr(i * 2, 2));
      asc.push(b >= 0x20 && b < 0x7f ? String.fromCharCode(b) : '.');
    }
    lines.push((base + BigInt(off)).toString(16).padStart(16, '0') + '  ' + hex.join(' ').padEnd(47) + '  ' + asc.join(''));
  }
  return lines.join('\n');
}

// ---------------------------------------------------------------- Alerts
async function alerts(main) {
  const filter = el('input', { class: 'search', placeholder: 'Filter alerts' });
  const openOnly = el('input', { type: 'checkbox', id: 'open-only' });
  main.append(header('Alerts', 'Detections from the Sigma rules, live', filter, el('label', { class: 'check' }, openOnly, ' open only')));
  const detail = el('div', { class: 'panel detail', id: 'alert-detail', hidden: true });
  let rows = await api('/api/alerts?limit=1000');
  const t = table([
    { key: 'time', label: 'Time', render: r => el('span', { title: r.time }, ago(r.time)) },
    { key: 'level', label: 'Level', render: r => sev(r.level) },
    { key: 'title', label: 'Rule', cls: 'wrap', render: r => el('span', {}, el('b', {}, visible(r.title)), el('span', { class: 'muted small' }, ' ' + visible(r.rule_id))) },
    { key: 'vm', label: 'VM', render: r => el('a', { href: '#/vm/' + enc(r.vm) }, visible(r.vm)) },
    { key: 'process', label: 'Process', cls: 'wrap mono', render: r => visible(processOf(r)) },
    { key: 'acknowledged_by', label: 'Status', render: r => r.acknowledged_by ? el('span', { class: 'muted' }, 'acknowledged by ' + visible(r.acknowledged_by)) : ackButton(r) },
  ], rows, { id: 'alerts-table', rowClass: r => (r.fresh ? 'new ' : '') + 'level-' + r.level, rowData: r => ({ id: r.id }), onRow: r => show(r), empty: 'no alerts yet' });
  filter.addEventListener('input', () => t.filter(filter.value));
  openOnly.addEventListener('change', () => t.update(openOnly.checked ? rows.filter(r => !r.acknowledged_by) : rows));
  main.append(el('div', { class: 'split' }, el('div', { class: 'panel flush' }, t.node), detail));
  function ackButton(r) {
    if (!may('analyst')) return el('span', { class: 'state state-open' }, 'open');
    return el('button', { class: 'small ack', onclick: async ev => {
      ev.stopPropagation();
      const done = await api('/api/alerts/' + enc(r.id) + '/ack', { method: 'POST', body: { note: 'acknowledged in the console' } });
      rows = rows.map(x => x.id === done.id ? done : x);
      t.update(rows);
      window.dispatchEvent(new Event('chirp-ack'));
    } }, 'Acknowledge');
  }
  function show(r) {
    detail.hidden = false;
    const ev = el('div', { id: 'alert-evidence' }, el('p', { class: 'muted' }, 'looking for evidence collected automatically…'));
    clear(detail).append(el('h2', {}, visible(r.title)), el('div', { class: 'facts' }, fact('Level', r.level), fact('VM', r.vm), fact('Rule', r.rule_id), fact('Time', time(r.time))),
      caseChooser(r), ev, el('h3', {}, 'Matched event and finding'), el('pre', { class: 'json' }, JSON.stringify(r.finding, null, 2)));
    evidenceOf(r, ev);
  }
  const redraw = () => t.update(openOnly.checked ? rows.filter(r => !r.acknowledged_by) : rows);
  const off = on('alert', a => { rows = [{ ...a, fresh: true }, ...rows.filter(x => x.id !== a.id)]; redraw(); });
  const tick = setInterval(redraw, 15000); // keep "n s ago" true
  return () => { off(); clearInterval(tick); };
}

function processOf(a) {
  const f = a.finding || {};
  const p = (f.evidences && f.evidences[0] && f.evidences[0].process) || f.process || (f.finding_info && f.finding_info.process);
  if (!p) return '';
  return (p.pid ? p.pid + ' ' : '') + (p.cmd_line || p.name || '');
}

// What response rules collected for the alert (they run after it fires, so an empty answer is asked again a while).
async function evidenceOf(a, box) {
  for (let i = 0; i < 20 && box.isConnected; i++) {
    const ev = await api('/api/artifacts?alert=' + enc(a.id)).catch(() => []);
    if (ev.length || i === 19) {
      clear(box).append(ev.length ? el('div', {}, el('h3', {}, 'Evidence collected automatically'), artifacts(ev, 'alert-artifacts', true))
        : el('p', { class: 'muted' }, 'No evidence was collected automatically for this alert.'));
      return;
    }
    await new Promise(r => setTimeout(r, 3000));
  }
}

// ---------------------------------------------------------------- Timeline
// The newest PAGE events first; older ones page by page on demand (the API's before cursor), up to MAX_HELD.
const PAGE = 5000, MAX_HELD = 50000;

async function timeline(main, vmName) {
  const cls = el('select', { id: 'tl-class' }, ['', 'process', 'module', 'network', 'file', 'detection'].map(c => el('option', { value: c }, c || 'all classes')));
  const text = el('input', { class: 'search', id: 'tl-text', placeholder: 'Filter text' });
  const vmSel = el('select', { id: 'tl-vm' }, el('option', { value: '' }, 'all VMs'));
  const zoomChip = el('button', { class: 'small', id: 'tl-zoom', hidden: true }, '');
  main.append(header('Timeline', 'Events and alerts on one time axis; click a bar to zoom into it', zoomChip, vmSel, cls, text));
  const canvas = el('canvas', { id: 'tl-chart', height: 90 });
  const status = el('span', { class: 'muted', id: 'tl-status' }, 'reading the event store…');
  const older = el('button', { class: 'small', id: 'tl-older', hidden: true }, 'Load older events');
  main.append(el('div', { class: 'panel chart' }, canvas), el('div', { class: 'toolbar' }, status, older));
  // rows: every event held, oldest first; held: the same by key; cursor: where the oldest page ends (null: none older)
  let rows = [], held = new Map(), cursor = null, paged = false;
  const t = table([
    { key: 'time', label: 'Time', render: r => time(r.time) }, { key: 'vm', label: 'VM' }, { key: 'class', label: 'Class', render: r => el('span', { class: 'tag cls-' + String(r.class).split(' ')[0].toLowerCase() }, visible(r.class)) },
    { key: 'activity', label: 'Activity' }, { key: 'severity', label: 'Severity', render: r => sev(r.severity) }, { key: 'summary', label: 'What happened', cls: 'wrap mono' },
  ], [], { id: 'timeline-table', sort: null, max: 500 });
  main.append(el('div', { class: 'panel flush' }, t.node));
  try { for (const v of (await api('/api/vms')).rows) vmSel.append(el('option', { value: v.name, selected: v.name === vmName }, visible(v.name))); } catch (e) { /* no VMs */ }
  let chart = null, zoom = null, keys = [], step = 10e3;
  zoomChip.addEventListener('click', () => { zoom = null; draw(); });
  function draw() {
    const f = text.value.toLowerCase();
    const shown = rows.filter(r => !f || JSON.stringify(r).toLowerCase().includes(f));
    const listed = zoom ? shown.filter(r => { const ts = Date.parse(r.time); return ts >= zoom[0] && ts < zoom[1]; }) : shown;
    t.update([...listed].reverse());
    zoomChip.hidden = !zoom;
    if (zoom) zoomChip.textContent = '× ' + new Date(zoom[0]).toISOString().slice(11, 19) + ' – ' + new Date(zoom[1]).toISOString().slice(11, 19);
    const buckets = new Map();
    const times = shown.map(r => Date.parse(r.time)).filter(x => !isNaN(x));
    let lo = Infinity, hi = -Infinity;
    for (const x of times) { if (x < lo) lo = x; if (x > hi) hi = x; } // no Math.max(...times): tens of thousands of arguments
    const span = times.length ? hi - lo : 0;
    step = span > 6 * 3600e3 ? 600e3 : span > 3600e3 ? 60e3 : 10e3;
    for (const ts of times) { const b = Math.floor(ts / step) * step; buckets.set(b, (buckets.get(b) || 0) + 1); }
    // empty buckets too, so the axis is time (a quiet day shows as one), unless that makes thousands of bars
    if (times.length && span / step <= 2000) for (let b = Math.floor(lo / step) * step; b <= hi; b += step) if (!buckets.has(b)) buckets.set(b, 0);
    keys = [...buckets.keys()].sort((a, b) => a - b);
    const labels = keys.map(k => new Date(k).toISOString().slice(step >= 600e3 ? 5 : 11, 19).replace('T', ' '));
    const data = keys.map(k => buckets.get(k));
    status.textContent = rows.length.toLocaleString('en-US') + ' events' + (rows.length ? ' from ' + time(rows[0].time) + ' to ' + time(rows[rows.length - 1].time) : '')
      + (cursor ? (rows.length >= MAX_HELD ? ' · older events in the store (filter by VM or class to reach them)' : ' · older events in the store') : ' · every stored event of this view');
    older.hidden = !cursor || rows.length >= MAX_HELD;
    if (!window.Chart) return;
    if (!chart) {
      chart = new window.Chart(canvas, { type: 'bar', data: { labels, datasets: [{ label: 'events per ' + step / 1000 + ' s', data, backgroundColor: '#14b8a6', borderRadius: 3 }] },
        options: { animation: false, maintainAspectRatio: false,
          onClick: (ev, hit) => { if (hit.length) { const k = keys[hit[0].index]; zoom = [k, k + step]; draw(); } }, plugins: { legend: { display: true, labels: { color: '#94a3b8' } } },
          scales: { x: { ticks: { color: '#94a3b8', maxTicksLimit: 12 }, grid: { color: '#1e293b' } }, y: { beginAtZero: true, ticks: { color: '#94a3b8' }, grid: { color: '#1e293b' } } } } });
    } else {
      chart.data.labels = labels; chart.data.datasets[0].data = data; chart.data.datasets[0].label = 'events per ' + step / 1000 + ' s'; chart.update();
    }
  }
  const key = r => r.uid || (r.time + '|' + r.vm + '|' + r.summary);
  function take(page) {
    for (const r of page) held.set(key(r), { ...r, ts: Date.parse(r.time) });
    // by instant, not by text: an ISO time without milliseconds (…:40Z) sorts after …:40.001Z as text
    rows = [...held.values()].sort((a, b) => a.ts - b.ts);
  }
  function query(before) {
    const q = ['limit=' + PAGE];
    if (vmSel.value) q.push('vm=' + enc(vmSel.value));
    if (cls.value) q.push('class=' + enc(cls.value));
    if (before) q.push('before=' + enc(before));
    return api('/api/events?' + q.join('&'));
  }
  // the newest page (again, on live events): pages loaded further back stay
  async function load() {
    const r = await query(null);
    take(r.rows);
    if (!paged) cursor = r.next_before;
    draw();
  }
  async function loadOlder() {
    if (!cursor) return;
    older.disabled = true;
    try {
      const r = await query(cursor);
      paged = true;
      take(r.rows);
      cursor = r.next_before;
      draw();
    } catch (e) { status.textContent = 'cannot read older events: ' + e.message; } finally { older.disabled = false; }
  }
  older.addEventListener('click', loadOlder);
  const restart = () => { held = new Map(); rows = []; cursor = null; paged = false; zoom = null; load(); };
  vmSel.addEventListener('change', restart);
  cls.addEventListener('change', restart);
  text.addEventListener('input', draw);
  await load();
  // live: new events reload the page's window at most every 5 s (a busy fleet sends many a second)
  let pending = null;
  const off = on('event', () => { if (!pending) pending = setTimeout(() => { pending = null; load().catch(() => {}); }, 5000); });
  return () => { off(); if (chart) chart.destroy(); if (pending) clearTimeout(pending); };
}

// ---------------------------------------------------------------- Evidence
async function evidence(main, vmName) {
  main.append(header('Evidence', 'Artifacts taken from the VMs, with their hashes and chain of custody'));
  if (may('analyst')) main.append(collectPanel(vmName));
  const jobsById = new Map();
  const t = table([
    { key: 'created', label: 'Started', render: r => time(r.created) },
    { key: 'kind', label: 'Kind', render: r => r.kind + (r.mode ? ' · ' + r.mode : '') + (r.format ? ' · ' + r.format : '') },
    { key: 'vm', label: 'VM' }, { key: 'owner', label: 'By' },
    { key: 'state', label: 'State', render: r => el('span', { class: 'state state-' + r.state }, r.state) },
    { key: 'bytes', label: 'Progress', render: progress },
    { key: 'sha256', label: 'SHA-256', cls: 'mono wrap hash' },
    { key: 'artifact', label: 'Artifact', cls: 'mono wrap', render: r => r.artifact_id && r.state === 'succeeded'
        ? el('a', { href: '/api/artifacts/' + enc(r.artifact_id) + '/content', download: '', class: 'artifact-link' }, visible(r.artifact)) : visible(r.artifact || '') },
    { key: 'id', label: '', render: r => r.state === 'running' && may('analyst') ? el('button', { class: 'small danger cancel', onclick: () => api('/api/jobs/' + enc(r.id), { method: 'DELETE' }) }, 'Cancel') : '' },
  ], [], { id: 'jobs-table', rowData: r => ({ id: r.id, state: r.state }), empty: 'no evidence taken yet' });
  main.append(el('h2', {}, 'Jobs and artifacts'), el('div', { class: 'panel flush' }, t.node));
  const redraw = () => t.update([...jobsById.values()].sort((a, b) => String(b.created).localeCompare(String(a.created))));
  for (const j of await api('/api/jobs')) jobsById.set(j.id, j);
  redraw();
  const off = on('job', j => { jobsById.set(j.id, j); redraw(); });
  window.addEventListener('chirp-job', onStarted);
  function onStarted(e) { jobsById.set(e.detail.id, e.detail); redraw(); }
  if (may('admin')) {
    const audit = await api('/api/audit?limit=200').catch(() => null);
    if (audit) {
      main.append(el('h2', {}, 'Chain of custody'), el('p', { class: 'muted' }, 'Verification: ' + visible(audit.verification)),
        el('div', { class: 'panel flush' }, table([{ key: 'seq', label: '#', cls: 'num' }, { key: 'time', label: 'Time', render: r => time(r.time) },
          { key: 'actor', label: 'Who' }, { key: 'action', label: 'Action', cls: 'wrap' }, { key: 'artifact', label: 'Artifact', cls: 'mono wrap' },
          { key: 'sha256', label: 'SHA-256', cls: 'mono wrap' }], audit.records.filter(r => !String(r.action).startsWith('api GET')).reverse(), { id: 'custody-table', dense: true }).node));
    }
  }
  return () => { off(); window.removeEventListener('chirp-job', onStarted); };
}

// A job's bar: the share of its total while it runs, or moving without one (a capture knows its bytes so far, not
// its end; a body file or an ISF export reports none), full once it succeeded.
function progress(j) {
  const running = j.state === 'running';
  const value = j.state === 'succeeded' ? 100 : j.total ? Math.min(100, 100 * j.bytes / j.total).toFixed(1) : running ? undefined : 0;
  const bar = el('progress', { max: 100, value, class: 'bar' + (value === undefined ? ' busy' : ''), dataset: { job: j.id } });
  return el('div', { class: 'progress' }, bar, el('div', { class: 'small muted' }, progressText(j) + (j.error ? ' · ' + visible(j.error) : '')));
}

function collectPanel(vmName) {
  const vmSel = el('select', { id: 'acq-vm' });
  api('/api/vms').then(r => { for (const v of r.rows) vmSel.append(el('option', { value: v.name, selected: v.name === vmName }, visible(v.name))); });
  const mode = el('select', { id: 'acq-mode' }, [['live', 'live (no pause)'], ['consistent', 'consistent (paused for the copy)'], ['migration', 'migration (pause of milliseconds)']].map(([v, l]) => el('option', { value: v }, l)));
  const format = el('select', { id: 'acq-format' }, el('option', { value: 'elf' }, 'ELF core'), el('option', { value: 'lime' }, 'LiME'));
  const msg = el('span', { class: 'muted', id: 'acq-msg' });
  const start = async (path, body) => {
    msg.textContent = '';
    try {
      const j = await api(path, { method: 'POST', body });
      window.dispatchEvent(new CustomEvent('chirp-job', { detail: j }));
      msg.textContent = 'started job ' + j.id;
    } catch (e) { msg.textContent = e.message; }
  };
  // one row per kind of evidence; rows beyond memory appear as the server offers their job routes
  const row = (what, ...controls) => el('div', { class: 'collect-row' }, el('div', { class: 'collect-what' }, what), el('div', { class: 'toolbar' }, controls));
  const rows = [row('Memory', el('label', {}, 'Mode ', mode), el('label', {}, 'Format ', format),
    el('button', { class: 'primary', id: 'acquire-memory', onclick: () => start('/api/jobs/acquisitions', { vm: vmSel.value, mode: mode.value, format: format.value }) }, 'Acquire memory'))];
  if (has('/api/jobs/captures')) {
    const secs = el('input', { id: 'cap-seconds', type: 'number', min: 1, max: 3600, value: 10, class: 'narrow' });
    rows.push(row('Network', el('label', {}, 'Seconds ', secs),
      el('button', { id: 'capture', onclick: () => start('/api/jobs/captures', { vm: vmSel.value, seconds: Number(secs.value) }) }, 'Capture traffic')));
  }
  if (has('/api/jobs/disk-acquisitions')) {
    const fmt = el('select', { id: 'disk-format' }, el('option', { value: 'raw' }, 'raw'), el('option', { value: 'qcow2' }, 'qcow2'));
    rows.push(row('Disk', el('label', {}, 'Image format ', fmt),
      el('button', { id: 'image-disk', onclick: () => start('/api/jobs/disk-acquisitions', { vm: vmSel.value, image_format: fmt.value }) }, 'Image disk')));
  }
  if (has('/api/jobs/extractions')) {
    const path = el('input', { id: 'extract-path', placeholder: '/path/on/the/disk', class: 'mono wide' });
    rows.push(row('File', el('label', {}, 'Path ', path),
      el('button', { id: 'extract', onclick: () => start('/api/jobs/extractions', { vm: vmSel.value, path: path.value }) }, 'Extract file')));
  }
  return el('div', { class: 'panel collect', id: 'collect' }, el('div', { class: 'collect-head' }, el('h2', {}, 'Take evidence'), el('label', {}, 'VM ', vmSel), msg), rows);
}

export const pages = { fleet, vm, alerts, timeline, evidence, cases };
