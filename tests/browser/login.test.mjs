// Login: a wrong password is refused with a French message, the right one lands on
// /contacts; an email of two companies is asked which one.
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

// The browser's own console line when the refused login answers 4xx.
const REFUSED = [/Failed to load resource: the server responded with a status of 4(00|01|03|22|29)/];

for (const width of h.WIDTHS) {
  describe(`login at ${width} px`, () => {
    it('refuses a wrong password in French, then opens /contacts', { todo: h.waitingFor('login') }, async () => {
      await h.withPage(browser, width, 'login', async (page) => {
        const account = server.accounts.sales;
        const res = await page.goto(`${server.base}/login`);
        assert.equal(res.status(), 200);
        await h.expectPresent(page, 'form#login input#email[name=email]');
        await h.expectPresent(page, 'form#login input#password[name=password]');
        await h.expectPresent(page, 'form#login button[type=submit]');
        assert.match((await page.getAttribute('html', 'lang')) ?? '', /^fr/);
        await h.checkScreen(page, 'login');

        await page.fill('input#email', account.email);
        await page.fill('input#password', 'pas-le-bon-mot-de-passe');
        await page.click('form#login button[type=submit]');
        const alert = page.locator('[role=alert]');
        await alert.first().waitFor();
        const message = (await alert.first().innerText()).trim();
        assert.match(message, /mot de passe|adresse|identifiant|incorrect|invalide/i, `a French message: ${message}`);
        assert.equal(await page.locator('nav#main-nav').count(), 0, 'not logged in');
        await h.checkScreen(page, 'login-refused', { allowConsole: REFUSED });

        await page.fill('input#email', account.email);
        await page.fill('input#password', account.password);
        await page.click('form#login button[type=submit]');
        await page.waitForURL(/\/dashboard(\?[^/]*)?$/);
        await h.expectShell(page);
        await h.checkScreen(page, 'login-done', { allowConsole: REFUSED });
      });
    });

    it('asks an email of two companies which one, then opens it', { todo: h.waitingFor('login') }, async () => {
      await h.withPage(browser, width, 'login-company', async (page) => {
        await page.goto(`${server.base}/login`);
        await h.expectPresent(page, 'form#login');
        await page.fill('input#email', server.multi.email);
        await page.fill('input#password', server.multi.password);
        await page.click('form#login button[type=submit]');
        const select = page.locator('form#login select#tenant_id[name=tenant_id]');
        await select.waitFor();
        const companies = (await select.locator('option').allInnerTexts()).map((t) => t.trim()).filter(Boolean);
        assert.deepEqual([...companies].sort(), ['Maison Seconde', 'Vins Duval']);
        await h.checkScreen(page, 'login-company', { allowConsole: REFUSED });

        await h.login(page, server.base, server.multi, { tenantName: 'Maison Seconde' });
        await h.expectShell(page);
        h.assertNoViolations(page, { allowConsole: REFUSED });
      });
    });
  });
}
