// Administration in the browser: the Admin sets the company's settings (a wrong time zone
// is named, working days saved); invites a person, whose one-time link lets them choose a
// password and lands them signed in (the link then says it is used); deactivates them —
// their open session ends and their password no longer logs in — and reactivates them;
// adds a team with its Manager. A sales rep has neither the menus nor the pages.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as h from './harness.mjs';

/** The browser's own lines for the refusals the test asks for on purpose. */
const REFUSED = [/status of 422/, /status of 404/, /status of 401/];

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
  describe(`administration at ${width} px`, () => {
    it('the Admin sets the company: a wrong time zone is named, working days are kept', async () => {
      await h.withPage(browser, width, 'company', async (page) => {
        await h.login(page, server.base, server.accounts.admin);
        await h.revealNav(page);
        await page.click('nav#main-nav a[href$="/settings/company"]');
        await page.waitForURL(/\/settings\/company$/);
        assert.equal(await page.inputValue('#company-zone'), 'Europe/Paris');
        assert.ok(await page.isChecked('#company-days input[value=fri]'));
        assert.ok(!(await page.isChecked('#company-days input[value=sat]')));
        await page.fill('#company-zone', 'Mars/Olympus');
        await page.check('#company-days input[value=sat]');
        await page.click('#company-save');
        assert.match(await page.locator('#company-fault').innerText(), /Fuseau horaire/);
        // What was typed stays, Saturday included.
        assert.ok(await page.isChecked('#company-days input[value=sat]'));
        await page.fill('#company-zone', 'Europe/Paris');
        await page.click('#company-save');
        await page.waitForURL(/done=saved/);
        assert.match(await page.locator('#company-status').innerText(), /enregistrés/);
        assert.ok(await page.isChecked('#company-days input[value=sat]'));
        await h.checkScreen(page, 'company', { allowConsole: REFUSED });
        // Back to Monday to Friday for the other tests.
        await page.uncheck('#company-days input[value=sat]');
        await page.click('#company-save');
        await page.waitForURL(/done=saved/);
        assert.ok(!(await page.isChecked('#company-days input[value=sat]')));
      });
    });

    it('an invited person chooses a password with the link; deactivated, they are out', async () => {
      const email = `lucie.petit.${width}@navigateur.exemple.fr`;
      const password = 'Lucie-choisit-2026';
      let link;
      await h.withPage(browser, width, 'people', async (admin) => {
        await h.login(admin, server.base, server.accounts.admin);
        await h.revealNav(admin);
        await admin.click('nav#main-nav a[href$="/settings/users"]');
        await admin.waitForURL(/\/settings\/users$/);
        await admin.fill('#invite-name', `Lucie Petit ${width}`);
        await admin.fill('#invite-email', email);
        await admin.selectOption('#invite-role', 'sales');
        await admin.click('#invite-submit');
        await admin.waitForSelector('#access-link');
        link = await admin.inputValue('#access-link');
        assert.match(link, /\/access\/crm_[A-Za-z0-9_-]+$/);
        assert.equal(await admin.locator(`#people li[data-email="${email}"]`).count(), 1);
        await h.checkScreen(admin, 'people-invited', { allowConsole: REFUSED });
        // The same email twice is refused, the field named.
        await admin.goto(`${server.base}/settings/users`);
        await admin.fill('#invite-name', 'Doublon');
        await admin.fill('#invite-email', email);
        await admin.click('#invite-submit');
        assert.match(await admin.locator('#people-fault').innerText(), /Adresse e-mail/);

        await h.withPage(browser, width, 'access', async (person) => {
          await person.goto(link);
          assert.equal(await person.locator('#access-email').innerText(), email);
          await h.checkScreen(person, 'access');
          // Two different passwords: said, nothing saved.
          await person.fill('#access-password', password);
          await person.fill('#access-confirm', `${password}!`);
          await person.click('#access-submit');
          assert.match(await person.locator('#access-fault').innerText(), /pas identiques/);
          await person.fill('#access-password', password);
          await person.fill('#access-confirm', password);
          await person.click('#access-submit');
          await person.waitForURL(/\/dashboard$/);
          await h.expectShell(person);
          // The link served once.
          assert.equal((await person.goto(link)).status(), 404);
          assert.match(await person.locator('#access-gone').innerText(), /plus valable/);

          // Deactivated by the Admin: their session ends, their password no longer works.
          await admin.goto(`${server.base}/settings/users`);
          await admin.click(`#people li[data-email="${email}"] .person-deactivate`);
          await admin.waitForURL(/done=deactivated/);
          assert.match(await admin.locator(`#people li[data-email="${email}"]`).innerText(), /Désactivé/);
          await h.checkScreen(admin, 'people', { allowConsole: REFUSED });
          await person.goto(`${server.base}/dashboard`);
          await person.waitForURL(/\/login/);
          await person.fill('input#email', email);
          await person.fill('input#password', password);
          await person.click('form#login button[type=submit]');
          assert.match(await person.locator('.login [role=alert]').innerText(), /mot de passe incorrect/);
          assert.match(person.url(), /\/login/);

          // Reactivated: the same password logs in again.
          await admin.click(`#people li[data-email="${email}"] .person-reactivate`);
          await admin.waitForURL(/done=reactivated/);
          await h.login(person, server.base, { email, password });
        });
      });
    });

    it('the Admin adds a team led by the Manager and puts a rep in it', async () => {
      await h.withPage(browser, width, 'teams', async (page) => {
        await h.login(page, server.base, server.accounts.admin);
        await page.goto(`${server.base}/settings/users`);
        const name = `Équipe Ouest ${width}`;
        await page.fill('#team-name', name);
        await page.selectOption('#team-manager', { label: server.accounts.manager.name });
        await page.fill('#team-territory', 'Bretagne, Pays de la Loire');
        await page.click('#team-add');
        await page.waitForURL(/done=team_created/);
        const team = page.locator(`#teams li:has(input[value="${name}"])`);
        assert.equal(await team.count(), 1);
        // The rep joins it from their line.
        const rep = page.locator(`#people li[data-email="${server.accounts.sales2.email}"]`);
        await rep.locator('select[name=team_id]').selectOption({ label: name });
        await rep.locator('.person-save').click();
        await page.waitForURL(/done=saved/);
        assert.match(await page.locator(`#teams li:has(input[value="${name}"]) .team-members`).innerText(), /Julien Bernard/);
      });
    });

    it('a sales rep has neither the menus nor the pages', async () => {
      await h.withPage(browser, width, 'admin-sales', async (page) => {
        await h.login(page, server.base, server.accounts.sales);
        assert.equal(await page.locator('nav#main-nav a[href$="/settings/users"]').count(), 0);
        assert.equal(await page.locator('nav#main-nav a[href$="/settings/company"]').count(), 0);
        assert.equal((await page.goto(`${server.base}/settings/users`)).status(), 403);
        assert.equal((await page.goto(`${server.base}/settings/company`)).status(), 403);
      });
    });
  });
}
