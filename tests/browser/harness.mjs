// Shared harness of the browser tests: a real `crm serve` on a throwaway data directory with
// one account per role, headless Debian Chromium driven by playwright-core, and the checks
// every screen gets (no console error, no page error, no Content-Security-Policy violation,
// no serious or critical axe-core finding). Run through scripts/browser-tests.sh.
import assert from 'node:assert/strict';
import { spawn, execFile, execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = dirname(fileURLToPath(import.meta.url));
export const REPO = resolve(here, '..', '..');
export const SCREENSHOT_DIR = process.env.CRM_SCREENSHOT_DIR || join(REPO, 'target', 'browser-screenshots');

/** The two widths every test runs at: a desktop and a phone. */
export const WIDTHS = [1440, 375];
/** The public address the server writes into email links (`CRM_PUBLIC_URL`). */
export const PUBLIC_URL = 'https://crm.exemple.test';

/** How long an action or an assertion waits for the page (the server is local). */
const ACTION_TIMEOUT_MS = 5_000;
const NAVIGATION_TIMEOUT_MS = 15_000;

/** The `crm` binary: CRM_BIN, else the debug build of the shared target directory. */
export function crmBin() {
  const bin = process.env.CRM_BIN || join(process.env.CARGO_TARGET_DIR || '/var/tmp/crm-ci-target', 'debug', 'crm');
  if (!existsSync(bin)) {
    throw new Error(`no crm binary at ${bin}: build it (cargo build -p crm-server --bin crm) or set CRM_BIN`);
  }
  return bin;
}

/** The environment of every `crm` child: ours, without any inherited CRM_* setting. */
function childEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (!k.startsWith('CRM_')) env[k] = v;
  }
  return { ...env, RUST_LOG: 'warn', ...extra };
}

/** Runs one `crm` administration command; its standard output. */
function crm(bin, cwd, args, extraEnv = {}) {
  return new Promise((ok, fail) => {
    execFile(bin, args, { cwd, env: childEnv(extraEnv), timeout: 60_000 }, (err, stdout, stderr) => {
      if (err) fail(new Error(`crm ${args.join(' ')} failed (${err.code ?? err.signal}):\n${stdout}${stderr}`));
      else ok(stdout);
    });
  });
}

const DOMAIN = 'navigateur.exemple.fr';

/** The accounts of the company under test (passwords of 12+ characters, as the server asks). */
const ACCOUNTS = {
  admin: { role: 'admin', email: `claire.duval@${DOMAIN}`, name: 'Claire Duval', password: 'Navigateur-admin-2026' },
  manager: { role: 'manager', email: `marc.lefevre@${DOMAIN}`, name: 'Marc Lefèvre', password: 'Navigateur-manager-2026' },
  sales: { role: 'sales', email: `sophie.martin@${DOMAIN}`, name: 'Sophie Martin', password: 'Navigateur-sales-2026' },
  sales2: { role: 'sales', email: `julien.bernard@${DOMAIN}`, name: 'Julien Bernard', password: 'Navigateur-sales2-2026' },
  marketing: { role: 'marketing', email: `ines.moreau@${DOMAIN}`, name: 'Inès Moreau', password: 'Navigateur-marketing-2026' },
  observer: { role: 'observer', email: `paul.girard@${DOMAIN}`, name: 'Paul Girard', password: 'Navigateur-observer-2026' },
};
/** The platform operator of the installation. */
const OPERATOR = { email: `operateur@${DOMAIN}`, name: 'Opérateur', password: 'Navigateur-operateur-2026' };
/** A user of both companies (a Sales rep in the first, the Admin of the second). */
const MULTI = { role: 'sales', email: `nadia.roux@${DOMAIN}`, name: 'Nadia Roux', password: 'Navigateur-multi-2026' };

const running = new Set();
process.on('exit', () => {
  for (const child of running) child.kill('SIGKILL');
});

/**
 * A fresh installation in a temporary directory: the company "Vins Duval" with one account
 * per role, a second company "Maison Seconde" sharing one email (`multi`), and `crm serve`
 * on a random loopback port. Returns { base, tenantId, accounts, multi, operator, stop() }.
 */
export async function startServer(extraEnv = {}) {
  const bin = crmBin();
  const dir = mkdtempSync(join(tmpdir(), 'crm-browser-'));
  const data = join(dir, 'data');
  const cmd = (args, env) => crm(bin, dir, args, env);

  await cmd(['migrate', '--data-dir', data]);
  const created = await cmd(
    ['tenant', 'create', '--data-dir', data, '--name', 'Vins Duval', '--admin-email', ACCOUNTS.admin.email, '--admin-name', ACCOUNTS.admin.name],
    { CRM_ADMIN_PASSWORD: ACCOUNTS.admin.password },
  );
  const tenantId = created.match(/tenant ([0-9a-f-]{36})/)?.[1];
  assert.ok(tenantId, `no tenant id in: ${created}`);
  for (const a of [...Object.values(ACCOUNTS).filter((a) => a !== ACCOUNTS.admin), MULTI]) {
    await cmd(['user', 'create', '--data-dir', data, '--tenant', tenantId, '--email', a.email, '--name', a.name, '--role', a.role], {
      CRM_USER_PASSWORD: a.password,
    });
  }
  await cmd(
    ['tenant', 'create', '--data-dir', data, '--name', 'Maison Seconde', '--admin-email', MULTI.email, '--admin-name', MULTI.name],
    { CRM_ADMIN_PASSWORD: MULTI.password },
  );

  await cmd(['operator', 'create', '--data-dir', data, '--email', OPERATOR.email], { CRM_OPERATOR_PASSWORD: OPERATOR.password });

  const served = await serve(bin, dir, ['serve', '--data-dir', data, '--listen', '127.0.0.1:0'], {
    // Email links back to this address (the tests read them from the messages).
    CRM_PUBLIC_URL: PUBLIC_URL,
    ...extraEnv,
  });
  const accounts = Object.fromEntries(Object.entries(ACCOUNTS).map(([k, a]) => [k, { email: a.email, password: a.password, name: a.name, role: a.role }]));
  return {
    ...served,
    tenantId,
    dataDir: data,
    accounts,
    multi: { email: MULTI.email, password: MULTI.password, name: MULTI.name },
    operator: { ...OPERATOR },
  };
}

/**
 * Runs `crm <args>` in `dir` (removed at the end) until it says it is ready ("prêt", with
 * its address), at most `readyMs`. Returns { base, log(), stop() }.
 */
export async function serve(bin, dir, args, env = {}, { readyMs = 60_000 } = {}) {
  const child = spawn(bin, args, { cwd: dir, env: childEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
  running.add(child);
  const log = [];
  const keep = (line) => {
    log.push(line);
    if (log.length > 200) log.shift();
  };
  createInterface({ input: child.stderr }).on('line', keep);
  const stdout = createInterface({ input: child.stdout });
  const exited = new Promise((ok) => child.once('exit', (code, signal) => ok({ code, signal })));

  const base = await new Promise((ok, fail) => {
    const timer = setTimeout(() => fail(new Error(`crm serve not ready after ${readyMs / 1000} s:\n${log.join('\n')}`)), readyMs);
    stdout.on('line', (line) => {
      keep(line);
      if (line.includes('prêt')) {
        const url = line.split(/\s+/).find((w) => w.startsWith('http://'));
        clearTimeout(timer);
        if (url) ok(url.replace(/\/+$/, ''));
        else fail(new Error(`no address in the ready line: ${line}`));
      }
    });
    exited.then(({ code, signal }) => {
      clearTimeout(timer);
      fail(new Error(`crm serve exited (${code ?? signal}) before it was ready:\n${log.join('\n')}`));
    });
  });
  return {
    base,
    /** The server's last output lines (for a failure message). */
    log: () => log.join('\n'),
    async stop() {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      running.delete(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------------------------------
// REST API, to make the data a test needs.

/** Logs in through the API; a small client with the bearer token. */
export async function apiLogin(base, account) {
  const r = await fetch(`${base}/api/v1/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email: account.email, password: account.password }),
  });
  const body = await r.text();
  assert.equal(r.status, 200, `API login of ${account.email}: ${r.status} ${body}`);
  const { token } = JSON.parse(body);
  assert.ok(token, `no token in ${body}`);
  const request = async (method, path, json) => {
    const res = await fetch(`${base}${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, ...(json === undefined ? {} : { 'content-type': 'application/json' }) },
      body: json === undefined ? undefined : JSON.stringify(json),
    });
    const text = await res.text();
    let parsed = text;
    try {
      parsed = text ? JSON.parse(text) : null;
    } catch {
      // not JSON: keep the text
    }
    return { status: res.status, body: parsed, headers: res.headers };
  };
  /** A 2xx answer's JSON, else a failed assertion naming the call. */
  const call = async (method, path, json) => {
    const res = await request(method, path, json);
    assert.ok(res.status >= 200 && res.status < 300, `${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`);
    return res.body;
  };
  return { token, request, call, get: (p) => call('GET', p), post: (p, j) => call('POST', p, j) };
}

/**
 * Moves a contact's creation `days` back in the server's SQLite file (the CRM offers no
 * way to date a record in the past; the retention tests need prospects collected years
 * ago). Python's sqlite3 module writes while the server runs (WAL, busy timeout).
 */
export function backdateContact(server, id, days) {
  const script = [
    'import sqlite3, sys, uuid',
    'db = sqlite3.connect(sys.argv[1], timeout=30)',
    'n = db.execute("UPDATE contacts SET created_at = created_at - ? WHERE id = ?", (int(sys.argv[3]) * 86400 * 1000000, uuid.UUID(sys.argv[2]).bytes)).rowcount',
    'db.commit()',
    'assert n == 1, n',
  ].join('\n');
  execFileSync('python3', ['-c', script, join(server.dataDir, 'crm.db'), id, String(days)]);
}

/** Creates a contact (duplicates allowed); its DTO. */
export function createContact(api, { kind = 'prospect', first_name, last_name, emails = [], phones = [], job_title } = {}) {
  const body = { kind, first_name, last_name, emails, phones };
  if (job_title) body.job_title = job_title;
  return api.post('/api/v1/contacts?confirm_duplicates=true', body);
}

/** Creates an organization; its DTO. */
export function createOrganization(api, { name, domain, industry } = {}) {
  const body = { name };
  if (domain) body.domain = domain;
  if (industry) body.industry = industry;
  return api.post('/api/v1/organizations', body);
}

/**
 * Polls the search API until `found(hits)` holds (the index is filled asynchronously);
 * the flat list of hits, each with its group's `type`.
 */
export async function waitForSearch(api, q, found, { timeout = 15_000 } = {}) {
  const deadline = Date.now() + timeout;
  let hits = [];
  for (;;) {
    const r = await api.get(`/api/v1/search?q=${encodeURIComponent(q)}`);
    hits = r.groups.flatMap((g) => g.hits.map((h) => ({ ...h, type: g.type })));
    if (found(hits)) return hits;
    if (Date.now() > deadline) assert.fail(`search "${q}" did not find what was expected within ${timeout} ms: ${JSON.stringify(hits)}`);
    await new Promise((ok) => setTimeout(ok, 150));
  }
}

// ---------------------------------------------------------------------------------------
// Browser.

/** Debian's Chromium: CHROMIUM_PATH, else the real binary behind /usr/bin/chromium. */
export function chromiumPath() {
  for (const p of [process.env.CHROMIUM_PATH, '/usr/lib/chromium/chromium', '/usr/bin/chromium']) {
    if (p && existsSync(p)) return p;
  }
  throw new Error('Chromium not found: apt-get install -y chromium (or set CHROMIUM_PATH)');
}

/**
 * Headless Chromium. Playwright gives every launch a fresh temporary profile (it passes its
 * own --user-data-dir and deletes it on close; it refuses one in `args`).
 */
export function launchBrowser() {
  return chromium.launch({
    executablePath: chromiumPath(),
    headless: true,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--no-first-run'],
  });
}

const seen = new WeakMap();

/**
 * A page in a new context, 375 px wide (a phone: touch, device scale 2) or 1440 px. Records
 * console errors, uncaught page errors, dialogs (alert/confirm/prompt, dismissed) and
 * Content-Security-Policy violations, for `assertNoViolations`.
 */
export async function newPage(browser, { width = 1440 } = {}) {
  const mobile = width < 768;
  const context = await browser.newContext({
    viewport: { width, height: mobile ? 812 : 900 },
    isMobile: mobile,
    hasTouch: mobile,
    deviceScaleFactor: mobile ? 2 : 1,
    locale: 'fr-FR',
    timezoneId: 'Europe/Paris',
  });
  context.setDefaultTimeout(ACTION_TIMEOUT_MS);
  context.setDefaultNavigationTimeout(NAVIGATION_TIMEOUT_MS);
  const record = { console: [], pageErrors: [], csp: [], dialogs: [], context };
  // Violations are kept on `window` (the page can be asked) and also sent to the test at
  // once, so that none is lost when the page navigates away. Init scripts and bindings go
  // through the DevTools protocol: the page's own CSP does not apply to them.
  await context.exposeBinding('__crmReportCsp', (_source, v) => record.csp.push(v));
  await context.addInitScript(() => {
    window.__cspViolations = [];
    document.addEventListener(
      'securitypolicyviolation',
      (e) => {
        const v = {
          directive: e.effectiveDirective || e.violatedDirective,
          blocked: e.blockedURI,
          source: e.sourceFile ? `${e.sourceFile}:${e.lineNumber}` : '',
          sample: e.sample,
          disposition: e.disposition,
          page: location.href,
        };
        window.__cspViolations.push(v);
        if (typeof window.__crmReportCsp === 'function') window.__crmReportCsp(v);
      },
      true,
    );
  });
  const page = await context.newPage();
  page.on('console', (m) => {
    const text = m.text();
    if (/Content[- ]Security[- ]Policy/i.test(text)) record.csp.push({ console: text, page: page.url() });
    else if (m.type() === 'error') record.console.push({ text, page: page.url(), at: m.location()?.url });
  });
  page.on('pageerror', (e) => record.pageErrors.push({ text: String(e?.stack || e), page: page.url() }));
  page.on('dialog', (d) => {
    record.dialogs.push({ type: d.type(), message: d.message(), page: page.url() });
    d.dismiss().catch(() => {});
  });
  seen.set(page, record);
  return page;
}

/** Closes the page's context (and so the page). */
export async function closePage(page) {
  await seen.get(page)?.context.close();
}

/**
 * Runs `fn(page)` on a new page of the given width, then closes it; on a failure, saves
 * the screen as failed-<name>-<width>.png first.
 */
export async function withPage(browser, width, name, fn) {
  const page = await newPage(browser, { width });
  try {
    await fn(page);
  } catch (e) {
    await screenshot(page, `failed-${name}`).catch(() => {});
    throw e;
  } finally {
    await closePage(page);
  }
}

/** What the page recorded so far. */
export function recorded(page) {
  const r = seen.get(page);
  return { console: [...r.console], pageErrors: [...r.pageErrors], csp: [...r.csp], dialogs: [...r.dialogs] };
}

/**
 * Console errors that are no fault of a page: Chromium asks every origin for /favicon.ico
 * by itself, and logs its 404.
 */
const IGNORED_CONSOLE = [(c) => /\/favicon\.ico$/.test(c.at ?? '') && /status of 404/.test(c.text)];

/**
 * Fails on any CSP violation, page error, dialog, or console error seen by the page.
 * `allowConsole`: patterns of console errors a test expects (e.g. the browser's own line
 * for a 404 it asked for).
 */
export function assertNoViolations(page, { allowConsole = [] } = {}) {
  const r = seen.get(page);
  const consoleErrors = r.console.filter((c) => !allowConsole.some((re) => re.test(c.text)) && !IGNORED_CONSOLE.some((f) => f(c)));
  const problems = [
    ...r.csp.map((v) => `CSP violation: ${JSON.stringify(v)}`),
    ...r.pageErrors.map((e) => `page error on ${e.page}: ${e.text}`),
    ...r.dialogs.map((d) => `unexpected ${d.type} dialog on ${d.page}: ${d.message}`),
    ...consoleErrors.map((c) => `console error on ${c.page}: ${c.text}${c.at ? ` (${c.at})` : ''}`),
  ];
  assert.deepEqual(problems, [], `the page reported problems:\n${problems.join('\n')}`);
}

/** Reveals the main navigation when a narrow screen hides it behind the menu button. */
export async function revealNav(page) {
  const nav = page.locator('nav#main-nav');
  const links = nav.locator('a[href$="/contacts"]');
  if (await links.first().isVisible()) return;
  const toggle = page.locator('#menu-toggle, [aria-controls="main-nav"]').first();
  if ((await toggle.count()) > 0 && (await toggle.isVisible())) {
    await toggle.click();
    await links.first().waitFor({ state: 'visible' });
  }
}

/** Fails at once (no waiting) unless the page holds `selector`: for server-rendered screens. */
export async function expectPresent(page, selector, what = selector) {
  const n = await page.locator(selector).count();
  assert.ok(n > 0, `${what}: no ${selector} on ${page.url()} (status page? not built yet?)`);
}

/** Fails at once unless the page shows the shell: nav, search button, logout form. */
export async function expectShell(page) {
  await expectPresent(page, 'nav#main-nav', 'the shell');
  await expectPresent(page, 'nav#main-nav a[href$="/contacts"]', 'the shell');
  await expectPresent(page, 'nav#main-nav a[href$="/organizations"]', 'the shell');
  await expectPresent(page, 'button#search-open', 'the shell');
  await expectPresent(page, 'form#logout', 'the shell');
}

/** Fills the login form and waits for the application shell on the dashboard. */
export async function login(page, base, account, { tenantName } = {}) {
  await page.goto(`${base}/login`);
  await expectPresent(page, 'form#login', 'the login page');
  await page.fill('input#email[name=email]', account.email);
  await page.fill('input#password[name=password]', account.password);
  await page.click('form#login button[type=submit]');
  // The shell, or the company choice when the email is a user of several.
  // (attached, not visible: a narrow screen hides the navigation behind its menu button)
  await page.locator('nav#main-nav').or(page.locator('select#tenant_id')).first().waitFor({ state: 'attached' });
  if (tenantName && (await page.locator('select#tenant_id').count()) > 0) {
    await page.selectOption('select#tenant_id', { label: tenantName });
    if ((await page.inputValue('input#password')) === '') await page.fill('input#password', account.password);
    await page.click('form#login button[type=submit]');
  }
  await page.waitForURL(/\/dashboard(\?[^/]*)?$/);
  await expectShell(page);
}

function widthOf(page) {
  return page.viewportSize()?.width ?? 0;
}

/** Waits until the page follows the live changes (its event stream is open). */
export async function waitForLive(page) {
  await page.locator('html[data-live="on"]').waitFor({ state: 'attached' });
}

/** A full-page PNG: target/browser-screenshots/<name>-<width>.png; its path. */
export async function screenshot(page, name) {
  mkdirSync(SCREENSHOT_DIR, { recursive: true });
  const path = join(SCREENSHOT_DIR, `${name}-${widthOf(page)}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

const require = createRequire(import.meta.url);
let axeSource;

/**
 * Runs axe-core on the page and fails on any violation of impact `serious` or `critical`,
 * listing them (the full report lands beside the screenshots as <name>-<width>.axe.json).
 * axe is evaluated through the DevTools protocol (`page.evaluate` of its source): a
 * `<script>` tag added by `page.addScriptTag` is inline, so the page's `script-src 'self'`
 * blocks it (and reports a violation), and `bypassCSP` would switch the page's CSP off.
 */
export async function checkA11y(page, name, { disableRules = [] } = {}) {
  axeSource ??= readFileSync(require.resolve('axe-core/axe.min.js'), 'utf8');
  if (!(await page.evaluate(() => typeof window.axe === 'object'))) await page.evaluate(axeSource);
  const result = await page.evaluate(
    (rules) =>
      window.axe.run(document, {
        resultTypes: ['violations'],
        rules: Object.fromEntries(rules.map((r) => [r, { enabled: false }])),
      }),
    disableRules,
  );
  const bad = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  if (bad.length > 0) {
    mkdirSync(SCREENSHOT_DIR, { recursive: true });
    writeFileSync(join(SCREENSHOT_DIR, `${name}-${widthOf(page)}.axe.json`), JSON.stringify(result.violations, null, 2));
  }
  const lines = bad.map(
    (v) =>
      `${v.impact} ${v.id}: ${v.help} (${v.helpUrl})\n` +
      v.nodes
        .slice(0, 5)
        .map((n) => `    ${n.target.join(' ')}: ${n.failureSummary?.split('\n').slice(1).join(' ').trim()}`)
        .join('\n'),
  );
  assert.equal(bad.length, 0, `axe-core on ${name} at ${widthOf(page)} px (${page.url()}):\n${lines.join('\n')}`);
  return result.violations;
}

/** Screenshot, axe-core, no violation: what every screen a test visits gets. */
export async function checkScreen(page, name, { allowConsole, disableRules } = {}) {
  await screenshot(page, name);
  await checkA11y(page, name, { disableRules });
  assertNoViolations(page, { allowConsole });
}

/**
 * What the web interface does not do yet: a test that needs one of these is marked `todo`
 * (node:test runs it and reports it, and does not count its failure). Add a line when a
 * page of the contract is not there yet (e.g. `organizations: 'waiting for /organizations'`)
 * and name it in the tests that need it; remove it once the page has landed, so that
 * those tests count again.
 */
export const WAITING = {};

/** The `todo` option of a test that needs these pages (false once none is waited for). */
export function waitingFor(...pages) {
  const reasons = pages.map((p) => WAITING[p]).filter(Boolean);
  return reasons.length > 0 ? reasons.join('; ') : false;
}

/** A letters-only tag that tells the two widths' data apart inside one server (names stay name-like). */
export function widthTag(width) {
  return width < 768 ? 'Mobile' : 'Bureau';
}
