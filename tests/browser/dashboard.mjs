// Drives the Ramp dashboard in headless Chromium, as a person would. Run by
// tests/it/dashboard_browser.rs, which starts the hollow cluster, the controller with its
// dashboard, and a canary paused at nothing yet (healthy at web:v1):
//
//   node tests/browser/dashboard.mjs --url URL --token ADMIN --readonly-token VIEWER [--screenshots DIR]
//
// Prints `READY <name>` when it waits for the test to change the cluster, one JSON line per
// scenario passed, and exits non-zero with the reason on the first failure.
import { mkdtempSync, rmSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';

const arg = (name, fallback) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : fallback;
};
const url = arg('url');
const token = arg('token');
const readonlyToken = arg('readonly-token');
const shots = arg('screenshots', '');
if (!url || !token) {
  console.error('usage: dashboard.mjs --url URL --token TOKEN [--readonly-token TOKEN] [--screenshots DIR]');
  process.exit(2);
}
const WAIT = 60_000;

const passed = (scenario, detail = {}) => console.log(JSON.stringify({ scenario, ok: true, ...detail }));
const fail = (why) => {
  throw new Error(why);
};
const expect = (cond, why) => cond || fail(why);

// A fresh profile each run; the flags keep Chromium off the network it cannot reach here.
const profile = mkdtempSync(join(tmpdir(), 'ramp-chromium-'));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: '/usr/bin/chromium',
  headless: true,
  viewport: { width: 1280, height: 900 },
  args: [
    '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
  ],
});

async function login(page, who) {
  await page.goto(`${url}/`);
  expect(new URL(page.url()).pathname === '/login', `not sent to the login form: ${page.url()}`);
  await page.fill('#token', who);
  await Promise.all([page.waitForURL(`${url}/`), page.click('form[action="/login"] button[type=submit]')]);
}

const rowCell = (cls) => `tr[data-key="default/web"] td.${cls}`;
const textOf = async (page, sel) => (await page.textContent(sel))?.trim();
const live = (page) => page.waitForSelector('#live.on', { timeout: WAIT });

try {
  if (shots) mkdirSync(shots, { recursive: true });
  const page = context.pages()[0] ?? (await context.newPage());
  page.on('dialog', (d) => d.dismiss());

  // 1. Log in with a token: the list shows the healthy rollout.
  await login(page, token);
  await page.waitForFunction((sel) => document.querySelector(sel)?.textContent === 'Healthy', rowCell('phase'), { timeout: WAIT });
  passed('login', { user: await textOf(page, 'header .who') });

  // 2. The rollout progresses live: the test sets a new image; the row changes without a
  //    reload (a marker on the window survives).
  await live(page);
  await page.evaluate(() => { window.__sameDocument = true; });
  console.log('READY progress');
  await page.waitForFunction(
    (sel) => document.querySelector(sel.step)?.textContent === '2/5'
      && document.querySelector(sel.phase)?.textContent === 'Paused',
    { step: rowCell('step'), phase: rowCell('phase') },
    { timeout: WAIT },
  );
  expect(await page.evaluate(() => window.__sameDocument === true), 'the page was reloaded');
  const weight = await textOf(page, rowCell('weight'));
  expect(weight.startsWith('25%'), `weight ${weight}, wanted 25%`);
  passed('live-list', { step: '2/5', weight, updates: await page.evaluate(() => document.body.dataset.updates) });
  if (shots) await page.screenshot({ path: join(shots, 'dashboard-list.png') });

  // 3. Promote from the detail page: the step advances on the page, without a reload.
  await page.click('tr[data-key="default/web"] td.name a');
  await page.waitForSelector('#detail li.step.current[data-index="1"]');
  await live(page);
  await page.evaluate(() => { window.__sameDocument = true; });
  expect(!(await page.isDisabled('button[data-action="promote"]')), 'promote is disabled for the admin');
  await page.fill('#action-message', 'canary looks good');
  await page.click('button[data-action="promote"]');
  await page.waitForSelector('#action-result.ok', { timeout: WAIT });
  await page.waitForSelector('#detail li.step.current[data-index="2"]', { timeout: WAIT });
  expect(await page.evaluate(() => window.__sameDocument === true), 'the detail page was reloaded');
  await page.waitForFunction(() => /promote by/.test(document.querySelector('#last-request')?.textContent ?? ''), null, { timeout: WAIT });
  passed('promote', { result: await textOf(page, '#action-result'), lastRequest: await textOf(page, '#last-request') });
  if (shots) await page.screenshot({ path: join(shots, 'dashboard-detail.png'), fullPage: true });

  // 4. A read-only user: every button disabled, and a forced POST is refused.
  if (readonlyToken) {
    await context.clearCookies();
    await login(page, readonlyToken);
    await page.goto(`${url}/rollouts/default/web`);
    await page.waitForSelector('#detail .summary');
    const buttons = await page.$$eval('button[data-action]', (bs) => bs.map((b) => [b.dataset.action, b.disabled]));
    expect(buttons.length === 6 && buttons.every(([, d]) => d), `buttons not all disabled: ${JSON.stringify(buttons)}`);
    expect(await page.isVisible('.readonly'), 'no read-only notice');
    const forced = await page.evaluate(async () => {
      const csrf = document.querySelector('meta[name="csrf-token"]').content;
      const r = await fetch('/api/v1/namespaces/default/rollouts/web/abort', {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'X-CSRF-Token': csrf }, body: '{}',
      });
      return { status: r.status, body: await r.json() };
    });
    expect(forced.status === 403, `a forced abort answered ${forced.status}: ${JSON.stringify(forced.body)}`);
    passed('read-only', { forced: forced.status, error: forced.body.error });
    await context.clearCookies();
    await login(page, token);
  }

  // 5. A phone: the list's rows stack as cards and nothing scrolls sideways.
  await page.setViewportSize({ width: 390, height: 844 });
  for (const path of ['/', '/rollouts/default/web']) {
    await page.goto(`${url}${path}`);
    await page.waitForSelector('main .card');
    const layout = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      width: window.innerWidth,
      viewport: document.querySelector('meta[name=viewport]')?.content,
      headDisplay: getComputedStyle(document.querySelector('table thead') ?? document.body).display,
      rowDisplay: getComputedStyle(document.querySelector('tbody tr') ?? document.body).display,
    }));
    expect(layout.viewport?.includes('width=device-width'), 'no viewport meta');
    expect(layout.scroll <= layout.width, `${path} scrolls sideways: ${layout.scroll} > ${layout.width}`);
    if (path === '/') {
      expect(layout.headDisplay === 'none' && layout.rowDisplay === 'block', `rows do not stack: ${JSON.stringify(layout)}`);
    }
    passed('mobile', { path, ...layout });
  }
} catch (e) {
  console.error(`FAILED: ${e.message}`);
  process.exitCode = 1;
} finally {
  await context.close();
  rmSync(profile, { recursive: true, force: true });
}
