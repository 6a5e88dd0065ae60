// The only way the console makes DOM: guest strings go in as text nodes, never as markup.
export function el(tag, props = {}, ...children) {
  const n = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k === 'class') n.className = v;
    else if (k === 'text') n.textContent = String(v);
    else if (k.startsWith('on')) n.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(n.dataset, v);
    else if (k === 'style') n.style.cssText = ''; // inline styles are refused by the CSP anyway
    else n.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat()) {
    if (c === undefined || c === null || c === false) continue;
    n.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return n;
}

function cell(v) {
  if (Array.isArray(v) && v.length === 0) return '';
  if (typeof v === 'boolean') return v ? 'yes' : 'no';
  return v !== null && typeof v === 'object' ? JSON.stringify(v) : v;
}

export function clear(n) { while (n.firstChild) n.removeChild(n.firstChild); return n; }

// Control characters (terminal escapes) shown as visible escapes, so nothing in a guest string can hide or fake text.
export function visible(s) {
  if (s === null || s === undefined) return '';
  return String(s).replace(/[\u0000-\u001f\u007f-\u009f]/g, c => '\\x' + c.charCodeAt(0).toString(16).padStart(2, '0'));
}

export function bytes(n) {
  if (n === null || n === undefined) return '';
  const u = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let i = 0, v = Number(n);
  while (v >= 1024 && i < u.length - 1) { v /= 1024; i++; }
  return (i === 0 ? v.toFixed(0) : v.toFixed(1)) + ' ' + u[i];
}

// What a job has done: bytes (of its total, when it knows one), rate, and while it runs its ETA.
export function progressText(j) {
  const eta = j.state === 'running' && j.eta_s !== null && j.eta_s !== undefined ? ' · ETA ' + Math.ceil(j.eta_s) + ' s' : '';
  return bytes(j.bytes) + (j.total ? ' of ' + bytes(j.total) : '') + ' · ' + bytes(j.rate_bytes_per_s) + '/s' + eta;
}

export function ago(iso) {
  if (!iso) return '';
  const s = (Date.now() - Date.parse(iso)) / 1000;
  if (s < 60) return Math.max(0, Math.round(s)) + ' s ago';
  if (s < 3600) return Math.round(s / 60) + ' min ago';
  if (s < 86400) return Math.round(s / 3600) + ' h ago';
  return new Date(iso).toISOString().slice(0, 16).replace('T', ' ');
}

export function time(iso) { return iso ? new Date(iso).toISOString().replace('T', ' ').slice(0, 19) : ''; }

// A sortable, filterable table of rows; columns: [{key, label, render?(row) -> Node|string, cls?}]. opts.max draws
// at most that many rows (then a row offering more), so a long list stays quick to draw and to scroll.
export function table(columns, rows, opts = {}) {
  const state = { sort: opts.sort || null, dir: 1, filter: '', max: opts.max || Infinity };
  const wrap = el('div', { class: 'table-wrap' });
  const tbody = el('tbody');
  const head = el('tr', {}, columns.map(c => el('th', {
    class: c.cls, onclick: () => { state.dir = state.sort === c.key ? -state.dir : 1; state.sort = c.key; draw(); }
  }, c.label)));
  const t = el('table', { class: 'grid' + (opts.dense ? ' dense' : ''), id: opts.id }, el('thead', {}, head), tbody);
  let current = rows;
  function draw() {
    clear(tbody);
    let r = current;
    if (state.filter) {
      const f = state.filter.toLowerCase();
      r = r.filter(x => columns.some(c => String(x[c.key] ?? '').toLowerCase().includes(f)));
    }
    if (state.sort) {
      const k = state.sort;
      r = [...r].sort((a, b) => {
        const x = a[k], y = b[k];
        if (x === y) return 0;
        if (x === null || x === undefined) return 1;
        if (y === null || y === undefined) return -1;
        return (typeof x === 'number' && typeof y === 'number' ? x - y : String(x).localeCompare(String(y))) * state.dir;
      });
    }
    const all = r.length;
    if (all > state.max) r = r.slice(0, state.max);
    for (const row of r) {
      const tr = el('tr', { class: opts.rowClass ? opts.rowClass(row) : null, dataset: opts.rowData ? opts.rowData(row) : undefined },
        columns.map(c => el('td', { class: c.cls }, c.render ? c.render(row) : visible(cell(row[c.key])))));
      if (opts.onRow) tr.addEventListener('click', () => opts.onRow(row));
      tbody.append(tr);
    }
    if (!r.length) tbody.append(el('tr', {}, el('td', { class: 'empty', colspan: columns.length }, opts.empty || 'nothing to show')));
    if (all > r.length) {
      tbody.append(el('tr', { class: 'more' }, el('td', { colspan: columns.length }, (all - r.length) + ' more rows (filter or zoom to narrow them) ',
        el('button', { class: 'small', onclick: () => { state.max += opts.max; draw(); } }, 'Show ' + Math.min(opts.max, all - r.length) + ' more'))));
    }
  }
  draw();
  wrap.append(t);
  return {
    node: wrap,
    filter(f) { state.filter = f; draw(); },
    update(rows) { current = rows; draw(); },
  };
}

export function sev(level) {
  const l = String(level || 'info').toLowerCase();
  return el('span', { class: 'sev sev-' + l.replace(/[^a-z]/g, '') }, l);
}
