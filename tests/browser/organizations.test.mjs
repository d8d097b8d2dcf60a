// Organizations: the list and an organization's page.
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

for (const width of h.WIDTHS) {
  const tag = h.widthTag(width);

  describe(`organizations at ${width} px`, () => {
    it('lists the organizations and opens one', { todo: h.waitingFor('login', 'organizations') }, async () => {
      const admin = await h.apiLogin(server.base, server.accounts.admin);
      const org = await h.createOrganization(admin, { name: `Domaine des Tilleuls ${tag}`, domain: `tilleuls-${width}.exemple.fr`, industry: 'Viticulture' });
      await h.createOrganization(admin, { name: `Cave Saint-Vincent ${tag}` });

      await h.withPage(browser, width, 'organizations', async (page) => {
        await h.login(page, server.base, server.accounts.manager);
        await h.revealNav(page);
        await page.click('nav#main-nav a[href$="/organizations"]');
        await page.waitForURL(/\/organizations(\?[^/]*)?$/);
        await h.expectPresent(page, 'table#organizations', 'the organizations list');
        const table = page.locator('table#organizations');
        assert.match(await table.innerText(), new RegExp(`Domaine des Tilleuls ${tag}`));
        const link = table.locator(`a[href$="/organizations/${org.id}"]`).first();
        assert.equal(await link.count(), 1, 'the organization links to its page');
        await h.checkScreen(page, 'organizations');

        await link.click();
        await page.waitForURL(new RegExp(`/organizations/${org.id}$`));
        assert.equal((await page.locator('h1').first().innerText()).trim(), `Domaine des Tilleuls ${tag}`);
        await h.checkScreen(page, 'organization');
      });
    });
  });
}
