// A Manager's team in the browser: the members with their open deals, overdue tasks and
// activities of the week; ten of a rep's contacts given to another rep in bulk from the
// team view's link; a rep's open deals reassigned to another; a sales rep has neither the
// menu nor the page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as h from './harness.mjs';

let server;
let browser;
let admin;
let ids;
before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
  admin = await h.apiLogin(server.base, server.accounts.admin);
  const users = await admin.get('/api/v1/users');
  const id = (k) => users.find((u) => u.email === server.accounts[k].email);
  ids = { manager: id('manager'), sales: id('sales'), sales2: id('sales2') };
  // The Manager leads « Équipe Est » with both reps.
  const team = await admin.post('/api/v1/teams', { name: 'Équipe Est', manager_id: ids.manager.id });
  for (const u of [ids.sales, ids.sales2]) {
    const r = await fetch(`${server.base}/api/v1/users/${u.id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${admin.token}`, 'content-type': 'application/json', 'if-match': `"${u.version}"` },
      body: JSON.stringify({ team_id: team.id }),
    });
    assert.equal(r.status, 200);
  }
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();

for (const width of h.WIDTHS) {
  describe(`a Manager's team at ${width} px`, () => {
    it('shows each member, gives ten contacts and the open deals of one rep to another', async () => {
      const rep = await h.apiLogin(server.base, server.accounts.sales);
      const made = [];
      for (let i = 1; i <= 10; i += 1) made.push(await h.createContact(rep, { first_name: `Client${i}`, last_name: `Reprise${width}` }));
      const pipeline = (await rep.get('/api/v1/pipelines'))[0];
      for (const title of [`Affaire A ${width}`, `Affaire B ${width}`]) {
        await rep.post('/api/v1/opportunities', { pipeline_id: pipeline.id, stage_id: pipeline.stages[1].id, title, value_minor: 500_000 });
      }
      await h.withPage(browser, width, 'team', async (page) => {
        await h.login(page, server.base, server.accounts.manager);
        await h.revealNav(page);
        await page.click('nav#main-nav a[href$="/team"]');
        await page.waitForURL(/\/team$/);
        const sophie = page.locator(`#team-members tr[data-id="${ids.sales.id}"]`);
        assert.equal(await text(sophie.locator('.open-count')), '2');
        assert.match(await text(sophie), /10 000 € 2 500 €/);
        assert.equal(await page.locator(`#team-members tr[data-id="${ids.sales2.id}"]`).count(), 1);
        await h.checkScreen(page, 'team');

        // Her contacts, ten of them given to Julien from the list.
        await sophie.locator('.member-contacts').click();
        await page.waitForURL(new RegExp(`/contacts\\?owner_id=${ids.sales.id}`));
        for (const c of made) await page.check(`#pick-${c.id}`);
        assert.match(await text(page.locator('#bulk-count')), /^10 /);
        await page.selectOption('#bulk-action', 'assign');
        await page.selectOption('#bulk-owner', { label: server.accounts.sales2.name });
        await page.click('#bulk button[type=submit]');
        await page.waitForURL(/\/contacts\?/);
        assert.match(await text(page.locator('[role=status]').first()), /10 contacts modifiés/);
        for (const c of made) {
          assert.equal((await admin.get(`/api/v1/contacts/${c.id}`)).owner_id, ids.sales2.id);
        }

        // Her open deals to Julien.
        await page.goto(`${server.base}/team`);
        await page.selectOption('#reassign-from', ids.sales.id);
        await page.selectOption('#reassign-to', ids.sales2.id);
        await page.click('#reassign-submit');
        await page.waitForURL(/done=reassigned/);
        assert.match(await text(page.locator('#team-status')), /^2 affaire/);
        assert.equal(await text(page.locator(`#team-members tr[data-id="${ids.sales.id}"] .open-count`)), '0');
        assert.equal(await text(page.locator(`#team-members tr[data-id="${ids.sales2.id}"] .open-count`)), String(width === 1440 ? 2 : 4));
        await h.checkScreen(page, 'team-reassigned');
      });
    });

    it('a sales rep has neither the menu nor the page', async () => {
      await h.withPage(browser, width, 'team-sales', async (page) => {
        await h.login(page, server.base, server.accounts.sales);
        assert.equal(await page.locator('nav#main-nav a[href$="/team"]').count(), 0);
        assert.equal((await page.goto(`${server.base}/team`)).status(), 403);
      });
    });
  });
}
