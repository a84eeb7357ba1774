// tracerec viewer page: talks to the JSON API of `tracerec view` (see
// doc/VIEWER.md) and redraws everything from the state each motion returns.
// Plain JS, no framework, no network access beyond the local server.
'use strict';

const TOKEN = new URLSearchParams(location.search).get('token') || '';
const $ = (id) => document.getElementById(id);
const el = (tag, cls, text) => {
  const e = document.createElement(tag);
  if (cls) e.className = cls;
  if (text !== undefined) e.textContent = text;
  return e;
};

let info = null;        // /api/info
let state = null;       // the last /api/state answer
let codes = new Map();  // code id -> code row
const sources = new Map();  // file id -> array of lines (or null)
let shownFile = 0;      // file in the source pane
let historyFor = null;  // {name, level} of the history panel
let queue = Promise.resolve();

async function api(name, params = {}, post = false) {
  const q = new URLSearchParams(params);
  q.set('token', TOKEN);
  const r = await fetch(`/api/${name}?${q}`, { method: post ? 'POST' : 'GET' });
  const j = await r.json();
  if (!r.ok) throw new Error(j.error || r.statusText);
  return j;
}

// Motions run one after another, so a held key never reorders them.
function run(fn) {
  queue = queue.then(fn).catch((e) => { $('stopmsg').textContent = e.message; });
  return queue;
}

async function loadSource(file) {
  if (!sources.has(file)) {
    const s = await api('source', { file });
    sources.set(file, s.text === null ? null : s.text.replace(/\n$/, '').split('\n'));
  }
  return sources.get(file);
}

function fileById(id) { return info.files.find((f) => f.id === id); }

async function showSource(file, line, isCurrent) {
  const src = $('source');
  if (file !== shownFile || !src.firstChild) {
    const lines = await loadSource(file);
    src.textContent = '';
    const f = fileById(file);
    $('path').textContent = f ? f.path : '';
    if (lines === null) {
      src.appendChild(el('div', 'line', '(the source of this file was not recorded)'));
    } else {
      const frag = document.createDocumentFragment();
      lines.forEach((t, i) => {
        const d = el('div', 'line');
        d.dataset.line = i + 1;
        const no = el('span', 'no', String(i + 1));
        no.title = 'toggle breakpoint';
        d.append(no, el('span', 'txt', t || ' '));
        frag.appendChild(d);
      });
      src.appendChild(frag);
    }
    shownFile = file;
  }
  for (const d of src.querySelectorAll('.line.current, .line.frameline'))
    d.classList.remove('current', 'frameline');
  markBreakpoints();
  if (line > 0) {
    const d = src.querySelector(`.line[data-line="${line}"]`);
    if (d) {
      d.classList.add(isCurrent ? 'current' : 'frameline');
      const top = d.offsetTop - src.offsetTop;
      if (top < src.scrollTop + 20 || top > src.scrollTop + src.clientHeight - 40)
        src.scrollTop = Math.max(0, top - src.clientHeight / 3);
    }
  }
}

function markBreakpoints() {
  const src = $('source');
  for (const d of src.querySelectorAll('.line.bp')) d.classList.remove('bp');
  if (!state) return;
  for (const b of state.breakpoints) {
    if (b.file !== shownFile || !b.line) continue;
    const d = src.querySelector(`.line[data-line="${b.line}"]`);
    if (d) d.classList.add('bp');
  }
}

function valueNode(name, v, opts = {}) {
  const d = el('div', 'var');
  if (opts.changed) d.classList.add('changed');
  const kids = v && v.c;
  if (kids) {
    const t = el('span', 'tog', '\u25B8');
    t.addEventListener('click', () => {
      d.classList.toggle('open');
      t.textContent = d.classList.contains('open') ? '\u25BE' : '\u25B8';
    });
    d.appendChild(t);
  }
  const n = el('span', 'name', name);
  if (opts.history) {
    n.classList.add('hist');
    n.title = 'history of ' + name;
    n.addEventListener('click', () => run(() => showHistory(name, state.level)));
  }
  d.append(n, document.createTextNode(' = '));
  const val = el('span', 'val', v ? v.r : '?');
  if (opts.changed) val.title = opts.prev != null ? 'was ' + opts.prev : 'new';
  d.appendChild(val);
  if (v && v.t) d.appendChild(el('span', 'type', v.t));
  if (kids) {
    const box = el('div', 'kids');
    for (const k of kids) {
      const key = typeof k.k === 'number' ? `[${k.k}]` : (v.t === 'dict' ? `[${k.k}]` : '.' + k.k);
      box.appendChild(valueNode(key, k.v));
    }
    if (v.more) box.appendChild(el('div', 'var', `… ${v.more} more`));
    d.appendChild(box);
  }
  return d;
}

function stopText(s) {
  const st = s.stop;
  switch (st.reason) {
    case 'break':
    case 'watch': {
      const parts = st.reason === 'break' ? [`Breakpoint ${st.id}`] : [];
      for (const c of st.changes)
        parts.push(`Watch ${c.id}: ${c.expr} ${c.old ?? '(unset)'} \u2192 ${c.new ?? '(unset)'}`);
      if (st.gone.length)
        parts.push(`Watch ${st.gone.join(', ')} deleted: the frame is left here`);
      return parts.join('. ');
    }
    case 'end': return st.moved ? 'End of the recording' : 'Nothing further: end of the recording';
    case 'start': return st.moved ? 'Start of the recording' : 'Nothing earlier: start of the recording';
    default:
      if (!s.truncated) return '';
      return info && info.meta.error
        ? `This recording is truncated (recording stopped early: ${info.meta.error}).`
        : 'This recording is truncated (the program did not finish).';
  }
}

async function render(s) {
  state = s;
  $('seq').value = s.seq;
  $('seq').max = s.last_seq;
  $('last').textContent = s.last_seq;
  const span = Math.max(1, s.last_seq - s.first_seq);
  $('pct').textContent = `(${Math.round(100 * (s.seq - s.first_seq) / span)}%)`;
  $('kind').textContent = s.kind || '';
  $('stopmsg').textContent = stopText(s);
  $('scrub').min = s.first_seq;
  $('scrub').max = s.last_seq;
  $('scrub').value = s.seq;

  const th = $('threads');
  th.textContent = '';
  for (const t of s.threads) {
    const o = el('option', '', `${t.name || 'thread ' + t.id} (${t.state})`);
    o.value = t.id;
    o.selected = t.current;
    th.appendChild(o);
  }
  th.hidden = s.threads.length < 2;

  const stack = $('stack');
  stack.textContent = '';
  for (let i = s.frames.length - 1; i >= 0; i--) {
    const f = s.frames[i];
    const li = el('li', i === s.level ? 'sel' : '');
    li.dataset.level = i;
    li.append(el('span', 'fn', f.function + (f.returning ? ' \u21B5' : '')),
      el('span', 'where', ` ${(f.path || '').split('/').pop()}:${f.line}`));
    li.addEventListener('click', () => run(async () => render(await api('state', { level: i }))));
    stack.appendChild(li);
  }

  const sel = s.frames[s.level];
  $('varframe').textContent = sel ? '\u2014 ' + sel.function : '';
  const special = $('special');
  special.textContent = '';
  if (s.retval && sel && sel.returning && s.level === s.frames.length - 1) {
    const n = valueNode('return', s.retval); n.classList.add('ret'); special.appendChild(n);
  }
  if (s.exception) { const n = valueNode('exception', s.exception); n.classList.add('exc'); special.appendChild(n); }
  const vars = $('vars');
  vars.textContent = '';
  for (const v of s.vars)
    vars.appendChild(valueNode(v.name, v.v, { changed: v.changed, prev: v.prev, history: true }));
  if (!s.vars.length) vars.appendChild(el('div', 'type', '(no recorded values)'));

  renderBreakpoints();
  if (sel) await showSource(sel.file, sel.line, s.level === s.frames.length - 1);
  if (historyFor) markHistory();
  timeline.follow(s.seq);
  // the position is fully shown: tests (and anything scripted) wait for this
  document.body.dataset.seq = s.seq;
}

function renderBreakpoints() {
  const ul = $('bps');
  ul.textContent = '';
  for (const b of state.breakpoints) {
    const where = b.function ? b.function : `${(b.path || '').split('/').pop()}:${b.line}`;
    const li = el('li', '', `#${b.id} ${where}${b.cond ? ' if ' + b.cond : ''} (${b.hits} hits)`);
    const x = el('button', '', 'clear');
    x.addEventListener('click', () => run(async () => { await api('clear', { id: b.id }, true); render(await api('state', { level: state.level })); }));
    li.appendChild(x);
    ul.appendChild(li);
  }
  for (const w of state.watches) {
    const li = el('li', '', `#${w.id} watch ${w.expr}`);
    const x = el('button', '', 'clear');
    x.addEventListener('click', () => run(async () => { await api('clear', { id: w.id, watch: 1 }, true); render(await api('state', { level: state.level })); }));
    li.appendChild(x);
    ul.appendChild(li);
  }
}

async function showHistory(name, level) {
  const h = await api('history', { name, level });
  historyFor = { name, level };
  $('histname').textContent = '\u2014 ' + name;
  const ol = $('history');
  ol.textContent = '';
  for (const e of h.values) {
    const li = el('li');
    li.dataset.seq = e.seq;
    li.append(el('span', 'seq', `seq ${e.seq} line ${e.line}: `), document.createTextNode(e.r));
    li.addEventListener('click', () => run(async () => render(await api('goto', { seq: e.seq }, true))));
    ol.appendChild(li);
  }
  if (h.cut) ol.appendChild(el('li', 'seq', '(cut)'));
  markHistory();
}

function markHistory() {
  let best = null;
  for (const li of $('history').children) {
    li.classList.remove('at');
    if (li.dataset.seq && +li.dataset.seq <= state.seq) best = li;
  }
  if (best) best.classList.add('at');
}

function move(how, dir) {
  return run(async () => render(await api('step', { how, dir }, true)));
}

// ---- Timeline: call depth over seq, per thread, windows from the server.
const timeline = {
  from: 0, to: 0, data: null, pending: 0, drag: null,
  canvas: null,
  init() {
    this.canvas = $('flame');
    this.from = info.first_seq; this.to = info.last_seq;
    const c = this.canvas;
    c.addEventListener('wheel', (e) => {
      e.preventDefault();
      const at = this.seqAt(e.offsetX);
      this.zoom(e.deltaY < 0 ? 0.7 : 1 / 0.7, at);
    }, { passive: false });
    c.addEventListener('mousedown', (e) => { this.drag = { x: e.offsetX, from: this.from, to: this.to, moved: false }; });
    window.addEventListener('mouseup', (e) => {
      const d = this.drag; this.drag = null;
      if (d && !d.moved && e.target === c) {
        const seq = Math.round(this.seqAt(e.offsetX));
        run(async () => render(await api('goto', { seq }, true)));
      }
    });
    c.addEventListener('mousemove', (e) => {
      const d = this.drag;
      if (d) {
        const dx = e.offsetX - d.x;
        if (Math.abs(dx) > 3) d.moved = true;
        if (d.moved) {
          const per = (d.to - d.from + 1) / c.clientWidth;
          this.setWindow(d.from - dx * per, d.to - dx * per);
        }
      }
      c.title = this.hover(e.offsetX, e.offsetY);
    });
    $('tl-in').addEventListener('click', () => this.zoom(0.5, state ? state.seq : null));
    $('tl-out').addEventListener('click', () => this.zoom(2, state ? state.seq : null));
    $('tl-all').addEventListener('click', () => this.setWindow(info.first_seq, info.last_seq));
    window.addEventListener('resize', () => this.fetch());
    this.fetch();
  },
  // Keep the cursor in view: re-centre the window when a motion leaves it.
  follow(seq) {
    if (seq >= this.from && seq <= this.to) { this.draw(); return; }
    const w = this.to - this.from + 1;
    this.setWindow(seq - w / 2, 0, w);
  },
  seqAt(x) { return this.from + (x / this.canvas.clientWidth) * (this.to - this.from + 1); },
  xOf(seq) { return (seq - this.from) / (this.to - this.from + 1) * this.canvas.width; },
  zoom(f, at) {
    if (at == null) at = (this.from + this.to) / 2;
    const w = Math.max(20, (this.to - this.from + 1) * f);
    this.setWindow(at - (at - this.from) * (w / (this.to - this.from + 1)), 0, w);
  },
  setWindow(from, to, width) {
    const lo = info.first_seq, hi = info.last_seq;
    let w = width || (to - from);
    w = Math.min(w, hi - lo + 1);
    from = Math.max(lo, Math.min(from, hi - w + 1));
    this.from = Math.round(from); this.to = Math.round(Math.min(hi, from + w - 1));
    $('tlrange').textContent = `seq ${this.from} \u2013 ${this.to}`;
    this.draw();
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.fetch(), 80);
  },
  async fetch() {
    const c = this.canvas;
    c.width = c.clientWidth;
    const id = ++this.pending;
    try {
      const d = await api('timeline', { from: this.from, to: this.to, px: c.width });
      if (id === this.pending) { this.data = d; this.draw(); }
    } catch (e) { $('stopmsg').textContent = e.message; }
  },
  rows() {
    const n = Math.max(1, this.data ? this.data.threads.length : 1);
    return { band: this.canvas.height / n, row: Math.max(4, Math.min(14, this.canvas.height / n / 8)) };
  },
  colour(code) { return `hsl(${(code * 47) % 360} 55% 72%)`; },
  draw() {
    const c = this.canvas, g = c.getContext('2d');
    g.clearRect(0, 0, c.width, c.height);
    const d = this.data;
    if (!d) return;
    const { band, row } = this.rows();
    g.font = '10px sans-serif';
    d.threads.forEach((t, ti) => {
      const top = ti * band;
      if (ti) { g.fillStyle = '#ddd'; g.fillRect(0, top, c.width, 1); }
      if (d.threads.length > 1) {
        const th = info.threads.find((x) => x.id === t.id);
        g.fillStyle = '#888';
        g.fillText(th && th.name ? th.name : 'thread ' + t.id, c.width - 90, top + band - 4, 86);
      }
      if (d.mode === 'slices') {
        for (const [a, z, depth, code] of t.slices) {
          const x = this.xOf(a), w = Math.max(1, this.xOf(z + 1) - x), y = top + (depth - 1) * row;
          if (y > top + band) continue;
          g.fillStyle = this.colour(code);
          g.fillRect(x, y, w, row - 1);
          if (w > 40) {
            const cr = codes.get(code);
            g.fillStyle = '#222';
            g.fillText(cr ? cr.qualname : '?', x + 2, y + row - 3, w - 4);
          }
        }
        g.fillStyle = '#d22';
        for (const s of t.exceptions) g.fillRect(this.xOf(s), top, 2, 6);
      } else {
        for (const [a, z, mn, mx, exc] of t.buckets) {
          const x = this.xOf(a), w = Math.max(1, this.xOf(z + 1) - x), lo = Math.max(1, mn);
          // frames below the bucket's shallowest event were open throughout
          g.fillStyle = '#d5dde3';
          g.fillRect(x, top, w, (lo - 1) * row);
          g.fillStyle = '#9ab';
          g.fillRect(x, top + (lo - 1) * row, w, Math.max(1, (mx - lo + 1) * row));
          if (exc) { g.fillStyle = '#d22'; g.fillRect(x, top, Math.max(2, w), 6); }
        }
      }
    });
    if (state && state.seq >= this.from && state.seq <= this.to) {
      g.fillStyle = '#000';
      g.fillRect(this.xOf(state.seq), 0, 1, c.height);
    }
  },
  hover(x, y) {
    const d = this.data;
    if (!d || d.mode !== 'slices') return 'click: go there; wheel: zoom; drag: pan';
    const { band, row } = this.rows();
    const t = d.threads[Math.floor(y / band)];
    if (!t) return '';
    const depth = Math.floor((y % band) / row) + 1, seq = this.seqAt(x);
    for (const [a, z, dep, code] of t.slices) {
      if (dep === depth && seq >= a && seq <= z + 1) {
        const cr = codes.get(code);
        return `${cr ? cr.qualname : '?'}  seq ${a}\u2013${z}`;
      }
    }
    return `seq ${Math.round(seq)}`;
  },
};

// ---- Wiring
function wire() {
  for (const b of document.querySelectorAll('.controls button'))
    b.addEventListener('click', () => move(b.dataset.how, b.dataset.dir));
  document.addEventListener('keydown', (e) => {
    const tag = e.target.tagName;
    if (tag === 'INPUT' || tag === 'SELECT' || tag === 'TEXTAREA' || e.ctrlKey || e.metaKey || e.altKey) return;
    const keys = { s: 'step', n: 'next', r: 'out', c: 'continue' };
    const arrows = { ArrowRight: ['step', 'forward'], ArrowLeft: ['step', 'backward'],
      ArrowDown: ['next', 'forward'], ArrowUp: ['next', 'backward'] };
    const k = e.key.toLowerCase();
    if (keys[k] && e.key.length === 1) {
      e.preventDefault();
      move(keys[k], e.shiftKey ? 'backward' : 'forward');
    } else if (arrows[e.key]) {
      e.preventDefault();
      move(...arrows[e.key]);
    }
  });
  $('source').addEventListener('click', (e) => {
    const no = e.target.closest('.no');
    if (!no) return;
    const line = +no.parentNode.dataset.line;
    const bp = state.breakpoints.find((b) => b.file === shownFile && b.line === line);
    run(async () => {
      if (bp) await api('clear', { id: bp.id }, true);
      else await api('break', { where: `${fileById(shownFile).path}:${line}` }, true);
      render(await api('state', { level: state.level }));
    });
  });
  $('seq').addEventListener('keydown', (e) => {
    if (e.key !== 'Enter') return;
    e.target.blur();  // so that s, n, r, c act on the page again
    run(async () => render(await api('goto', { seq: e.target.value }, true)));
  });
  $('scrub').addEventListener('change', (e) => run(async () => render(await api('goto', { seq: e.target.value }, true))));
  $('threads').addEventListener('change', (e) => run(async () => render(await api('thread', { id: e.target.value }, true))));
  $('watchform').addEventListener('submit', (e) => {
    e.preventDefault();
    const expr = $('watchexpr').value.trim();
    if (!expr) return;
    run(async () => {
      await api('watch', { expr, level: state.level }, true);
      $('watchexpr').value = '';
      render(await api('state', { level: state.level }));
    });
  });
  let searchTimer = null;
  $('search').addEventListener('input', (e) => {
    clearTimeout(searchTimer);
    searchTimer = setTimeout(() => search(e.target.value), 120);
  });
  $('search').addEventListener('keydown', (e) => { if (e.key === 'Escape') { $('results').hidden = true; e.target.blur(); } });
}

async function search(q) {
  const box = $('results');
  if (!q.trim()) { box.hidden = true; return; }
  const r = await api('search', { q });
  box.textContent = '';
  for (const f of r.functions) {
    const d = el('div', '', f.function);
    d.appendChild(el('span', 'where', `${(f.path || '').split('/').pop()}:${f.line} \u2014 run to its next call`));
    d.addEventListener('click', () => {
      box.hidden = true;
      run(async () => {
        let s = await api('runto', { code: f.code, dir: 'forward' }, true);
        if (!s.stop.moved) s = await api('runto', { code: f.code, dir: 'backward' }, true);
        render(s);
      });
    });
    box.appendChild(d);
  }
  for (const f of r.files) {
    const d = el('div', '', f.path);
    d.appendChild(el('span', 'where', 'show source'));
    d.addEventListener('click', () => { box.hidden = true; run(() => showSource(f.file, 0, false)); });
    box.appendChild(d);
  }
  if (!box.firstChild) box.appendChild(el('div', 'where', 'no match'));
  box.hidden = false;
}

async function main() {
  info = await api('info');
  codes = new Map(info.codes.map((c) => [c.id, c]));
  let argv = info.meta.argv || '';
  try { const a = JSON.parse(argv); if (Array.isArray(a)) argv = a.join(' '); } catch (e) { /* plain text */ }
  $('title').textContent = argv || 'tracerec';
  document.title = `tracerec \u2014 ${argv}`;
  wire();
  timeline.init();
  await render(await api('state'));
  document.body.dataset.ready = '1';
}

run(main);
