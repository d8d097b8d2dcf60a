// The duplicates queue and the audit log in the browser: an Admin looks for duplicates,
// picks the record kept and, field by field, the values kept, merges; the kept contact
// has the chosen values and both records' emails, the other is gone; the audit log shows
// the merge with the fields before and after. A sales rep has neither the queue's menu
// nor the audit log.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as h from './harness.mjs';

let server;
let browser;
let admin;
before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
  admin = await h.apiLogin(server.base, server.accounts.admin);
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();

const SURNAMES = { 1440: 'Quessandier', 375: 'Kerbrat-Loison' };
const PHONES = { 1440: '06 12 34 56 78', 375: '07 98 76 54 32' };

for (const width of h.WIDTHS) {
  const surname = SURNAMES[width];
  describe(`duplicates and audit at ${width} px`, () => {
    it('merges a pair from the queue with the values chosen, and the audit shows the merge', async () => {
      const kept = await h.createContact(admin, {
        first_name: 'Hélène',
        last_name: surname,
        emails: [`helene.${surname.toLowerCase()}@vignobles.fr`],
        job_title: 'Acheteuse',
      });
      const other = await h.createContact(admin, {
        first_name: 'Helene',
        last_name: surname,
        emails: [`helene.${surname.toLowerCase()}@vignobles.fr`, `h.${surname.toLowerCase()}@gmail.com`],
        phones: [PHONES[width]],
        job_title: 'Directrice des achats',
      });
      await h.withPage(browser, width, 'duplicates', async (page) => {
        await h.login(page, server.base, server.accounts.admin);
        await h.revealNav(page);
        await page.click('nav#main-nav a[href$="/duplicates"]');
        await page.waitForURL(/\/duplicates$/);
        await page.click('#duplicates-scan');
        await page.waitForURL(/done=scanned/);
        const group = page.locator('.duplicate-group', { has: page.locator(`a[href$="/contacts/${kept.id}"]`) });
        assert.equal(await group.count(), 1, 'the pair is in the queue');
        assert.equal(await group.locator(`a[href$="/contacts/${other.id}"]`).count(), 1);
        // The first names and job titles differ: a choice; the last names do not.
        assert.equal(await group.locator('tr[data-field="job_title"] input[type=radio]').count(), 2);
        assert.equal(await group.locator('tr[data-field="last_name"] input[type=radio]').count(), 0);
        await h.checkScreen(page, 'duplicates');

        await group.locator(`input[name="kept"][value="${kept.id}"]`).check();
        await group.locator(`tr[data-field="first_name"] input[value="${kept.id}"]`).check();
        await group.locator(`tr[data-field="job_title"] input[value="${other.id}"]`).check();
        await group.locator('.merge-submit').click();
        await page.waitForURL(/done=merged/);
        assert.match(await text(page.locator('#duplicates-status')), /1$/);
        assert.equal(await page.locator(`.duplicate-group a[href$="/contacts/${kept.id}"]`).count(), 0);
      });
      const after = await admin.get(`/api/v1/contacts/${kept.id}`);
      assert.equal(after.first_name, 'Hélène');
      assert.equal(after.job_title, 'Directrice des achats');
      assert.deepEqual([...after.emails].sort(), [`h.${surname.toLowerCase()}@gmail.com`, `helene.${surname.toLowerCase()}@vignobles.fr`]);
      assert.equal(after.phones.length, 1);
      assert.equal((await admin.request('GET', `/api/v1/contacts/${other.id}`)).status, 404);

      await h.withPage(browser, width, 'audit', async (page) => {
        await h.login(page, server.base, server.accounts.admin);
        await h.revealNav(page);
        await page.click('nav#main-nav a[href$="/audit"]');
        await page.waitForURL(/\/audit$/);
        await page.selectOption('#audit-type', 'contact');
        await page.selectOption('#audit-user', { label: server.accounts.admin.name });
        await page.click('#audit-apply');
        await page.waitForURL(/type=contact/);
        const merge = page.locator('.audit-line[data-kind="merged"]', { has: page.locator(`a[href$="/contacts/${kept.id}"]`) });
        assert.equal(await merge.count(), 1, 'the merge is in the log');
        const row = merge.locator('tr', { hasText: /fonction/i });
        assert.match(await text(row), /Acheteuse Directrice des achats/);
        assert.match(await text(merge.locator('tr', { hasText: /fusionné depuis/i })), new RegExp(other.id));
        // The emails are sealed in the log: shown to the Admin, the event marked.
        assert.match(await text(merge.locator('tr', { hasText: /e-mails/i })), /gmail\.com/);
        assert.equal(await merge.locator('.badge.sealed').count(), 1);
        assert.equal(await page.locator(`.audit-line[data-kind="merged_into"]`).count() >= 1, true);
        await h.checkScreen(page, 'audit');
      });
    });
  });
}

describe('who reaches the queue and the log', () => {
  it('a sales rep has neither menu, and the log answers 403', async () => {
    await h.withPage(browser, 1440, 'audit-sales', async (page) => {
      await h.login(page, server.base, server.accounts.sales);
      assert.equal(await page.locator('nav#main-nav a[href$="/duplicates"]').count(), 0);
      assert.equal(await page.locator('nav#main-nav a[href$="/audit"]').count(), 0);
      assert.equal((await page.goto(`${server.base}/audit`)).status(), 403);
    });
  });
});
