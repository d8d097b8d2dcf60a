// The harness itself: the server and its accounts, the premises the page tests rely on
// (roles, search with a typo, a rep's contacts hidden from another rep), and the checks
// (CSP violations, axe-core under a strict CSP, console errors, dialogs) proven on pages
// made here, so that a page test that passes means something.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as h from './harness.mjs';

let server;
let browser;
before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

describe('server and accounts', () => {
  it('starts with one account per role, each able to log in', async () => {
    assert.match(server.base, /^http:\/\/127\.0\.0\.1:\d+$/);
    const ready = await fetch(`${server.base}/readyz`);
    assert.equal(ready.status, 200);
    const expected = { admin: 'admin', manager: 'manager', sales: 'sales', sales2: 'sales', marketing: 'marketing', observer: 'observer' };
    assert.deepEqual(Object.keys(server.accounts).sort(), Object.keys(expected).sort());
    for (const [key, role] of Object.entries(expected)) {
      const api = await h.apiLogin(server.base, server.accounts[key]);
      const me = await api.get('/api/v1/auth/me');
      assert.equal(me.role, role, key);
      assert.equal(me.email, server.accounts[key].email);
      assert.equal(me.tenant_name, 'Vins Duval');
    }
  });

  it('has an email of two companies, which must choose one', async () => {
    const r = await fetch(`${server.base}/api/v1/auth/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email: server.multi.email, password: server.multi.password }),
    });
    const body = await r.json();
    assert.equal(r.status, 409, JSON.stringify(body));
    assert.equal(body.code, 'tenant_choice_required');
  });

  it("hides a Sales rep's contact from another rep (404)", async () => {
    const rep2 = await h.apiLogin(server.base, server.accounts.sales2);
    const rep = await h.apiLogin(server.base, server.accounts.sales);
    const c = await h.createContact(rep2, { first_name: 'Odile', last_name: 'Cachée', emails: ['odile.cachee@exemple.fr'] });
    assert.equal((await rep2.request('GET', `/api/v1/contacts/${c.id}`)).status, 200);
    assert.equal((await rep.request('GET', `/api/v1/contacts/${c.id}`)).status, 404);
  });

  it('finds "Dupont" when "Dupond" is typed (search index filled asynchronously)', async () => {
    const api = await h.apiLogin(server.base, server.accounts.sales);
    const c = await h.createContact(api, { first_name: 'Gaspard', last_name: 'Dupont', emails: ['gaspard.dupont@exemple.fr'] });
    const hits = await h.waitForSearch(api, 'gaspard dupond', (hs) => hs.some((x) => x.id === c.id));
    assert.equal(hits.find((x) => x.id === c.id).type, 'contact');
  });
});

describe('checks', () => {
  // Pages served by the test itself (Playwright answers the request; the server never sees it).
  const serve = async (page, path, html, csp = "default-src 'self'; script-src 'self'; style-src 'self'") => {
    await page.route(`${server.base}${path}`, (route) =>
      route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', headers: { 'content-security-policy': csp }, body: html }),
    );
    await page.goto(`${server.base}${path}`);
  };
  const clean = '<!doctype html><html lang="fr"><head><title>Propre</title></head><body><main><h1>Propre</h1><p>Rien à signaler.</p></main></body></html>';

  for (const width of h.WIDTHS) {
    it(`records CSP violations, even across navigations (${width} px)`, async () => {
      const page = await h.newPage(browser, { width });
      try {
        await serve(page, '/__harness__/inline', '<!doctype html><html lang="fr"><title>x</title><main><h1>x</h1><script>window.ran = 1</script></main></html>');
        assert.equal(await page.evaluate(() => window.ran), undefined, 'the inline script was blocked');
        assert.ok((await page.evaluate(() => window.__cspViolations.length)) >= 1, 'recorded on window');
        await serve(page, '/__harness__/clean', clean);
        assert.equal(await page.evaluate(() => window.__cspViolations.length), 0, 'a new document starts empty');
        const r = h.recorded(page);
        assert.ok(r.csp.length >= 1, 'the test still knows about the first page');
        assert.throws(() => h.assertNoViolations(page), /CSP violation/);
      } finally {
        await h.closePage(page);
      }
    });

    it(`runs axe-core under script-src 'self' without a violation of its own (${width} px)`, async () => {
      const page = await h.newPage(browser, { width });
      try {
        await serve(page, '/__harness__/clean', clean);
        const minor = await h.checkA11y(page, 'harness-clean');
        assert.ok(Array.isArray(minor));
        await serve(page, '/__harness__/bad', '<!doctype html><html lang="fr"><title>x</title><main><h1>x</h1><img src="/nothing.png"><button></button></main></html>');
        await assert.rejects(h.checkA11y(page, 'harness-bad'), (e) => /critical image-alt/.test(e.message) && /button-name/.test(e.message));
        assert.deepEqual(h.recorded(page).csp, [], 'injecting axe is not a CSP violation');
      } finally {
        await h.closePage(page);
      }
    });
  }

  it('records console errors, page errors and dialogs', async () => {
    const page = await h.newPage(browser, { width: 1440 });
    try {
      await serve(page, '/__harness__/clean', clean);
      h.assertNoViolations(page);
      await page.evaluate(() => {
        console.error('boom');
        setTimeout(() => {
          throw new Error('uncaught');
        });
      });
      await page.evaluate(() => alert('xss'));
      await page.waitForTimeout(50);
      const r = h.recorded(page);
      assert.equal(r.console.length, 1);
      assert.equal(r.pageErrors.length, 1);
      assert.deepEqual(
        r.dialogs.map((d) => [d.type, d.message]),
        [['alert', 'xss']],
      );
      assert.throws(() => h.assertNoViolations(page), /console error.*boom[\s\S]*page error[\s\S]*alert dialog/s);
    } finally {
      await h.closePage(page);
    }
  });

  it('saves full-page screenshots under target/browser-screenshots', async () => {
    const page = await h.newPage(browser, { width: 375 });
    try {
      await serve(page, '/__harness__/clean', clean);
      const path = await h.screenshot(page, 'harness');
      assert.ok(path.endsWith('/browser-screenshots/harness-375.png'), path);
      const { statSync } = await import('node:fs');
      assert.ok(statSync(path).size > 0);
    } finally {
      await h.closePage(page);
    }
  });
});
