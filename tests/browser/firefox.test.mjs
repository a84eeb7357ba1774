// firefox.test.mjs: the viewer page in Firefox (Debian's firefox-esr, driven
// over WebDriver BiDi by puppeteer-core: no downloaded browser). Records the
// README example, opens it, steps with the keys both ways and checks the
// position, highlighted line and frame shown against the trace's own events
// (read with `tracerec sql`), and that a recording cut short by an error
// says why. Prints TAP.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import puppeteer from 'puppeteer-core';

const TRACEREC = process.env.TRACEREC;
const firefox = process.env.TREC_FIREFOX || '/usr/bin/firefox-esr';
const dir = mkdtempSync(join(tmpdir(), 'trec-ff-'));
const trace = join(dir, 'inventory.trace');
let n = 0, failed = 0;
const ok = (cond, what, why = '') => {
  n++; if (!cond) failed++;
  console.log(`${cond ? 'ok' : 'not ok'} ${n} - ${what}`);
  if (!cond && why) console.log(`# ${why}`);
};

const views = [];
// `tracerec view` of trace, to be stopped at the end; resolves to its URL
const serve = (t) => new Promise((resolve, reject) => {
  const v = spawn(TRACEREC, ['view', t, '--no-browser'], { stdio: ['ignore', 'pipe', 'inherit'] });
  views.push(v);
  let out = '';
  v.stdout.on('data', (d) => { out += d; const m = out.match(/http:\/\/127\.0\.0\.1:\d+\/\S+/); if (m) resolve(m[0]); });
  v.on('exit', () => reject(new Error('tracerec view exited')));
  setTimeout(() => reject(new Error('no URL from tracerec view')), 10000);
});

let browser;
try {
  execFileSync(TRACEREC, ['run', '-q', '-o', trace, join(process.env.TREC_SRCDIR, 'doc/examples/inventory.py')],
    { cwd: dir, stdio: ['ignore', 'ignore', 'inherit'] });
  // one statement: --json prints one array of row objects
  const rows = JSON.parse(execFileSync(TRACEREC, ['sql', '--json', trace,
    'SELECT seq, kind, line, function FROM events ORDER BY seq']).toString());
  const bySeq = new Map(rows.map((r) => [r.seq, r]));

  const url = await serve(trace);

  browser = await puppeteer.launch({ browser: 'firefox', executablePath: firefox, headless: true,
    userDataDir: join(dir, 'profile') });
  const page = await browser.newPage();
  const errors = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
  await page.setViewport({ width: 1400, height: 900 });
  await page.goto(url);
  const ready = await page.waitForSelector('body[data-ready="1"]', { timeout: 20000 }).then(() => true, () => false);
  ok(ready, 'page loads and reports ready in Firefox');
  const shown = () => page.evaluate(() => ({
    seq: +document.body.dataset.seq,
    line: +(document.querySelector('#source .line.current')?.dataset.line || 0),
    fn: document.querySelector('#stack li.sel .fn')?.textContent || '' }));
  const check = async (how) => {
    const s = await shown();
    const ev = bySeq.get(s.seq);
    ok(!!ev, `${how}: seq ${s.seq} is an event of the trace`);
    if (!ev) return s;
    if (ev.line > 0) ok(s.line === ev.line, `${how}: line ${ev.line} highlighted`, `highlighted ${s.line}`);
    ok(s.fn === ev.function, `${how}: frame ${ev.function} selected`, `selected ${s.fn}`);
    return s;
  };
  const start = await check('start');
  const seqs = [start.seq];
  for (let i = 1; i <= 6; i++) {
    await page.keyboard.press('KeyS');
    const moved = await page.waitForFunction((p) => +document.body.dataset.seq > p, { timeout: 10000 },
      seqs[seqs.length - 1]).then(() => true, () => false);
    ok(moved, `key s #${i} moves forward`);
    seqs.push((await check(`key s #${i}`)).seq);
  }
  await page.keyboard.down('Shift'); await page.keyboard.press('KeyS'); await page.keyboard.up('Shift');
  const back = await page.waitForFunction((p) => +document.body.dataset.seq === p, { timeout: 10000 },
    seqs[seqs.length - 2]).then(() => true, () => false);
  ok(back, 'key S (reverse-step) returns to the previous stop');
  await check('key S');
  ok(errors.length === 0, 'no errors in the page console', errors.join(' | '));
  await page.screenshot({ path: join(process.env.TREC_BUILDDIR || dir, 'tests', 'artifacts', 'view-firefox.png') })
    .catch(() => {});

  // a recording an error stopped early (TRACEREC_FPCHECK=1 on
  // ctypes_poke.py, as in t0220 and t3002) says why
  const cut = join(dir, 'cut.trace');
  execFileSync(TRACEREC, ['run', '-q', '-o', cut, join(process.env.TREC_SRCDIR, 'tests', 'programs', 'ctypes_poke.py')],
    { cwd: dir, env: { ...process.env, TRACEREC_FPCHECK: '1' }, stdio: 'ignore' });
  await page.goto(await serve(cut));
  await page.waitForSelector('body[data-ready="1"]', { timeout: 20000 }).catch(() => {});
  const cutText = await page.$eval('#stopmsg', (e) => e.textContent).catch((e) => String(e));
  ok(/^This recording is truncated \(recording stopped early: .*TRACEREC_FPCHECK: holder in main\(\)/.test(cutText),
    'a recording stopped by an error says why in Firefox', cutText);
  ok(errors.length === 0, 'no errors in the page console on it', errors.join(' | '));
} catch (e) {
  ok(false, 'Firefox session', String(e));
} finally {
  if (browser) await browser.close().catch(() => {});
  for (const v of views) v.kill('SIGINT');
  rmSync(dir, { recursive: true, force: true });
}
console.log(`1..${n}`);
process.exit(failed ? 1 : 0);
