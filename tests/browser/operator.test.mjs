// The platform operator in the browser: lands on the companies with their counts, creates
// a company whose first Admin chooses a password with the link and is signed in; suspends
// it — its Admin is out and cannot log in — and reinstates it. A company's Admin has
// neither the menu nor the page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as h from './harness.mjs';

const REFUSED = [/status of 401/, /status of 403/];

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

/** The operator's login: the company's shell is not theirs, the companies page is. */
async function operatorLogin(page) {
  await page.goto(`${server.base}/login`);
  await page.fill('input#email', server.operator.email);
  await page.fill('input#password', server.operator.password);
  await page.click('form#login button[type=submit]');
  await page.waitForURL(/\/operator$/);
}

for (const width of h.WIDTHS) {
  describe(`platform operator at ${width} px`, () => {
    it('creates a company, whose Admin gets in with the link; suspends and reinstates it', async () => {
      const name = `Atelier Neuf ${width}`;
      const email = `nina.neuf.${width}@navigateur.exemple.fr`;
      const password = 'Nina-choisit-2026';
      await h.withPage(browser, width, 'operator', async (op) => {
        await operatorLogin(op);
        // The companies with what they hold.
        const duval = op.locator('#companies tr:has(th:text-is("Vins Duval"))');
        assert.equal(await duval.count(), 1);
        assert.equal((await duval.locator('td').nth(1).innerText()).trim(), '7');
        assert.match(await duval.innerText(), /Active/);
        // The menu is the companies alone.
        await h.revealNav(op).catch(() => {});
        assert.equal(await op.locator('nav#main-nav a[href$="/contacts"]').count(), 0);
        await op.fill('#new-company-name', name);
        await op.fill('#new-admin-name', `Nina Neuf ${width}`);
        await op.fill('#new-admin-email', email);
        await op.click('#company-create-submit');
        await op.waitForSelector('#access-link');
        const link = await op.inputValue('#access-link');
        assert.match(link, /\/access\/crm_/);
        assert.equal(await op.locator(`#companies tr:has(th:text-is("${name}"))`).count(), 1);
        await h.checkScreen(op, 'operator', { allowConsole: REFUSED });

        await h.withPage(browser, width, 'operator-admin', async (admin) => {
          await admin.goto(link);
          await admin.fill('#access-password', password);
          await admin.fill('#access-confirm', password);
          await admin.click('#access-submit');
          await admin.waitForURL(/\/dashboard$/);
          await h.expectShell(admin);

          // Suspended: the Admin is out, and cannot log in.
          await op.goto(`${server.base}/operator`);
          // A confirmation first.
          await op.click(`#companies tr:has(th:text-is("${name}")) .company-suspend summary`);
          await op.click(`#companies tr:has(th:text-is("${name}")) .company-toggle`);
          await op.waitForURL(/done=suspended/);
          assert.match(await op.locator(`#companies tr:has(th:text-is("${name}"))`).innerText(), /Suspendue/);
          await admin.goto(`${server.base}/contacts`);
          await admin.waitForURL(/\/login/);
          await admin.fill('input#email', email);
          await admin.fill('input#password', password);
          await admin.click('form#login button[type=submit]');
          assert.match(await admin.locator('.login [role=alert]').innerText(), /mot de passe incorrect/);
          // Reinstated: back in, nothing lost.
          await op.click(`#companies tr:has(th:text-is("${name}")) .company-toggle`);
          await op.waitForURL(/done=reinstated/);
          await h.login(admin, server.base, { email, password });
        });
      });
    });

    it("a company's Admin has neither the menu nor the page", async () => {
      await h.withPage(browser, width, 'operator-admin-refused', async (page) => {
        await h.login(page, server.base, server.accounts.admin);
        assert.equal(await page.locator('nav#main-nav a[href$="/operator"]').count(), 0);
        assert.equal((await page.goto(`${server.base}/operator`)).status(), 403);
      });
    });
  });
}
