// view.test.mjs: the viewer page in headless Chromium (Debian's chromium,
// driven by playwright-core; no browser is downloaded). Opens a synthetic
// recording (tests/t4-export-mktrace, which also prints every event), steps
// with keys and buttons both ways, sets a breakpoint by clicking the gutter
// and continues, and checks the highlighted line and the values shown
// against the events the trace holds; then opens a recording that an error
// stopped early and reads why on the page. Prints TAP; leaves a screenshot in
// $TREC_BUILDDIR/tests/artifacts/view.png.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { chromium } from 'playwright-core';

const TRACEREC = process.env.TRACEREC;
const BUILD = process.env.TREC_BUILDDIR || '.';
const SRC = process.env.TREC_SRCDIR || '.';
const CHROMIUM = process.env.TREC_CHROMIUM || '/usr/bin/chromium';

let n = 0, failed = 0;
const ok = (cond, desc, extra) => {
  n++;
  if (cond) console.log(`ok ${n} - ${desc}`);
  else { failed++; console.log(`not ok ${n} - ${desc}`); if (extra) console.log(`# ${extra}`); }
};

// Events as the trace holds them: "E seq thread kind code line depth frame values".
function parseEvents(text) {
  return text.split('\n').filter((l) => l.startsWith('E ')).map((l) => {
    const f = l.split(' ');
    const vals = {};
    for (const m of (' ' + f.slice(8).join(' ')).matchAll(/ (\w+)=(.*?)(?= \w+=|$)/g)) vals[m[1]] = m[2];
    delete vals.exception;
    return { seq: +f[1], thread: +f[2], kind: f[3], code: +f[4], line: +f[5], frame: +f[7], vals };
  });
}

const dir = mkdtempSync(join(tmpdir(), 'trec-browser-'));
const trace = join(dir, 's.trace');
const events = parseEvents(execFileSync(join(BUILD, 'tests', 't4-export-mktrace'), [trace], { encoding: 'utf8' }));
const bySeq = new Map(events.map((e) => [e.seq, e]));
const valuesAt = (seq) => {
  const ev = bySeq.get(seq), vals = {};
  for (const e of events) { if (e.seq > seq) break; if (e.frame === ev.frame) Object.assign(vals, e.vals); }
  return vals;
};

// `tracerec view` on a trace, and the address it serves the page at.
const servers = [];
function view(path) {
  const server = spawn(TRACEREC, ['view', '--no-browser', path], { stdio: ['ignore', 'pipe', 'pipe'] });
  servers.push(server);
  server.stderr.on('data', (d) => process.stdout.write(String(d).replace(/^/gm, '# ')));
  return new Promise((resolve, reject) => {
    const rl = createInterface({ input: server.stdout });
    rl.on('line', (line) => { if (line.startsWith('http://127.0.0.1:')) resolve(line.trim()); });
    server.on('exit', (code) => reject(new Error(`tracerec view exited with ${code}`)));
  });
}
const stopAll = () => {
  for (const s of servers) s.kill('SIGINT');
  rmSync(dir, { recursive: true, force: true });
};
let url, context;
try {
  url = await view(trace);
  // A fresh profile per run (launchPersistentContext is playwright's way to
  // pass --user-data-dir).
  context = await chromium.launchPersistentContext(join(dir, 'profile'), {
    executablePath: CHROMIUM,
    headless: true,
    viewport: { width: 1400, height: 900 },
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
      '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
} catch (e) {
  ok(false, 'start the viewer and Chromium', String(e).split('\n')[0]);
  stopAll();
  console.log(`1..${n}`);
  process.exit(1);
}
const page = context.pages()[0] || await context.newPage();
const errors = [];
page.on('pageerror', (e) => errors.push(String(e)));
page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });

// What the page shows, read from the DOM.
const shown = () => page.evaluate(() => {
  const cur = document.querySelector('#source .line.current');
  const vars = {}, changed = [], prev = {};
  for (const d of document.querySelectorAll('#vars > .var')) {
    const name = d.querySelector(':scope > .name').textContent;
    const val = d.querySelector(':scope > .val');
    vars[name] = val.textContent;
    if (d.classList.contains('changed')) { changed.push(name); prev[name] = val.title; }
  }
  return {
    seq: +document.getElementById('seq').value,
    line: cur ? +cur.dataset.line : 0,
    text: cur ? cur.querySelector('.txt').textContent : '',
    fn: document.querySelector('#stack li.sel .fn')?.textContent || '',
    vars, changed: changed.sort(), prev,
  };
});
// body[data-seq] is set when a position is completely rendered; the seq input
// alone is not enough (typing into it shows the number before the page moves).
const waitSeq = (seq) => page.waitForFunction((s) => document.body.dataset.seq === String(s),
  seq, { timeout: 10000 }).then(() => true, () => false);

// Compare the page with the trace at event seq.
async function checkAt(seq, how) {
  const arrived = await waitSeq(seq);
  const s = await shown();
  const ev = bySeq.get(seq);
  ok(arrived && s.seq === seq, `${how}: at seq ${seq}`, `page shows seq ${s.seq}`);
  if (ev.line > 0) ok(s.line === ev.line, `${how}: line ${ev.line} highlighted`, `highlighted ${s.line}`);
  const want = valuesAt(seq);
  ok(JSON.stringify(s.vars) === JSON.stringify(want), `${how}: values at seq ${seq}`,
    `shown ${JSON.stringify(s.vars)} want ${JSON.stringify(want)}`);
  const wantChanged = Object.keys(ev.vals).sort();
  ok(JSON.stringify(s.changed) === JSON.stringify(wantChanged), `${how}: changed values marked`,
    `marked ${s.changed} want ${wantChanged}`);
  return s;
}

try {
  await page.goto(url);
  const ready = await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 }).then(() => true, () => false);
  ok(ready, 'page loads and reports ready');
  ok((await page.textContent('#path')) === '/synthetic/prog.py', 'source pane shows the recorded file');
  await checkAt(1, 'start');

  const main = events.filter((e) => e.thread === 1).map((e) => e.seq);
  // keys s (step) forward five times, then shift+S and the button back
  for (let i = 1; i <= 5; i++) { await page.keyboard.press('s'); await checkAt(main[i], `key s #${i}`); }
  await page.keyboard.press('Shift+S');
  await checkAt(main[4], 'key S (reverse-step)');
  await page.click('#btn-rstep');
  await checkAt(main[3], 'button reverse-step');
  await page.keyboard.press('ArrowRight');
  await checkAt(main[4], 'arrow right (step)');
  await page.click('#btn-step');
  await checkAt(main[5], 'button step');
  // n over the first call to add: from work line 8 (seq 9) to line 7 (seq 14)
  await page.fill('#seq', '9');
  await page.press('#seq', 'Enter');
  await checkAt(9, 'go to seq 9');
  await page.keyboard.press('n');
  await checkAt(14, 'key n steps over add()');
  await page.keyboard.press('Shift+N');
  await checkAt(9, 'key N (reverse-next)');

  // breakpoint by clicking the gutter at line 3, then continue both ways
  await page.click('#source .line[data-line="3"] .no');
  const bpShown = await page.waitForSelector('#source .line.bp[data-line="3"]', { timeout: 5000 }).then(() => true, () => false);
  ok(bpShown, 'gutter click sets a breakpoint on line 3');
  const line3 = events.filter((e) => e.kind === 'line' && e.line === 3 && e.seq > 9).map((e) => e.seq);
  await page.keyboard.press('c');
  let s = await checkAt(line3[0], 'key c stops at the breakpoint');
  ok(s.fn === 'add' && s.text.trim() === 'return c', 'stopped in add() at "return c"', `${s.fn} ${s.text}`);
  ok(s.prev.c === 'new' || s.prev.c === 'was <unbound>', 'a new variable says so on hover', JSON.stringify(s.prev));
  await page.click('#btn-continue');
  await checkAt(line3[1], 'button continue: next hit');
  await page.keyboard.press('Shift+C');
  await checkAt(line3[0], 'key C (reverse-continue) back to the previous hit');
  const stopText = await page.textContent('#stopmsg');
  ok(/Breakpoint/.test(stopText), 'the stop reason is shown', stopText);

  // previous value on hover: total changes 0 -> 1 at seq 24
  await page.fill('#seq', '24');
  await page.press('#seq', 'Enter');
  s = await checkAt(24, 'go to seq 24');
  ok(s.prev.total === 'was 0', 'changed value shows its previous value', JSON.stringify(s.prev));

  // a container expands in place
  await page.fill('#seq', '5');
  await page.press('#seq', 'Enter');
  await waitSeq(5);
  await page.click('#vars .var:has(> .name:text-is("items")) > .tog');
  const kids = await page.$$eval('#vars .var.open > .kids > .var > .val', (els) => els.map((e) => e.textContent));
  ok(JSON.stringify(kids) === '["1","2"]', 'list items expand', JSON.stringify(kids));

  // the timeline: a click jumps there
  const box = await (await page.$('#flame')).boundingBox();
  ok(box && box.width > 100, 'timeline canvas is drawn');
  await page.mouse.click(box.x + box.width * 0.9, box.y + 10);
  await page.waitForFunction(() => +document.body.dataset.seq > 30, null, { timeout: 5000 }).catch(() => {});
  ok((await shown()).seq > 30, 'clicking the timeline jumps late in the run');

  // history of a variable: click its name, then an entry
  await page.fill('#seq', '30');
  await page.press('#seq', 'Enter');
  await waitSeq(30);
  await page.click('#vars .var:has(> .name:text-is("total")) > .name');
  await page.waitForSelector('#history li', { timeout: 5000 }).catch(() => {});
  // each entry: "seq S line L: value" (L is the line that made the change)
  const hist = await page.$$eval('#history li', (els) => els.map((e) => e.textContent.replace(/ line \d+/, '')));
  const wantHist = events.filter((e) => 'total' in e.vals).map((e) => `seq ${e.seq}: ${e.vals.total}`);
  ok(JSON.stringify(hist) === JSON.stringify(wantHist), 'history lists every value of total', JSON.stringify(hist));
  await page.click('#history li:first-child');
  await checkAt(events.find((e) => 'total' in e.vals).seq, 'history entry jumps there');

  ok(errors.length === 0, 'no errors in the page console', errors.join(' | '));
  const artifacts = join(BUILD, 'tests', 'artifacts');
  mkdirSync(artifacts, { recursive: true });
  await page.screenshot({ path: join(artifacts, 'view.png') });
  console.log(`# screenshot: ${join(artifacts, 'view.png')}`);

  // a recording an error stopped early (TRACEREC_FPCHECK=1 on
  // ctypes_poke.py, as in t0220) says why
  const cut = join(dir, 'cut.trace');
  execFileSync(TRACEREC, ['run', '-q', '-o', cut, join(SRC, 'tests', 'programs', 'ctypes_poke.py')],
    { env: { ...process.env, TRACEREC_FPCHECK: '1' }, stdio: 'ignore' });
  await page.goto(await view(cut));
  await page.waitForSelector('body[data-ready="1"]', { timeout: 15000 }).catch(() => {});
  const cutText = await page.textContent('#stopmsg');
  ok(/^This recording is truncated \(recording stopped early: .*TRACEREC_FPCHECK: holder in main\(\)/.test(cutText),
    'a recording stopped by an error says why', cutText);
  ok(errors.length === 0, 'no errors in the page console on it', errors.join(' | '));
} catch (e) {
  ok(false, 'browser session', String(e).split('\n')[0]);
} finally {
  await context.close();
  stopAll();
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
