// The rights of a person in the browser: the Admin logs an erasure request from the
// contact's page, finds it in the register with its deadline, exports the person's data,
// then erases them — the confirmation refused until ticked — and the register shows the
// request done for an erased person, whose record is gone. A sales rep has no such page.
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
// The confirmation asked for on purpose answers 422.
const REFUSED = [/status of 422/];
const SURNAMES = { 1440: 'Oubliedemoi', 375: 'Effacebrun' };

for (const width of h.WIDTHS) {
  const surname = SURNAMES[width];
  describe(`personal data at ${width} px`, () => {
    it('logs an erasure request, exports the data, erases the person', async () => {
      const c = await h.createContact(admin, {
        first_name: 'Ninon',
        last_name: surname,
        emails: [`ninon.${surname.toLowerCase()}@exemple.fr`],
        phones: [width === 1440 ? '06 11 22 33 44' : '07 55 66 77 88'],
      });
      await h.withPage(browser, width, 'privacy', async (page) => {
        await h.login(page, server.base, server.accounts.admin);
        await page.goto(`${server.base}/contacts/${c.id}`);
        await h.expectPresent(page, '#contact-privacy', 'the personal data section');
        await page.locator('#privacy-log summary').click();
        await page.selectOption('#privacy-kind', 'erasure');
        await page.fill('#privacy-note', 'Demande reçue par e-mail le matin');
        await page.click('#privacy-log-submit');
        await page.waitForURL(/notice=privacy_logged/);
        assert.match(await text(page.locator('#contact-privacy-requests')), /Effacement/);
        await h.checkScreen(page, 'contact-privacy');

        // The export, as a file.
        const [download] = await Promise.all([page.waitForEvent('download'), page.click('#privacy-export-csv')]);
        assert.match(download.suggestedFilename(), /^donnees-personnelles-.*\.csv$/);

        // The register: open, with its deadline.
        await h.revealNav(page);
        await page.click(`#main-nav a[href$="/privacy"]`);
        await page.waitForURL(/\/privacy$/);
        const row = page.locator('tr.privacy-request', { hasText: surname });
        assert.equal(await row.count(), 1);
        assert.match(await text(row), /Effacement/);
        assert.match(await text(row), /En cours/);
        await h.checkScreen(page, 'privacy');

        // The erasure: refused until confirmed, then done.
        await row.locator('a.erase-now').click();
        await page.waitForURL(/\/erase\?request=/);
        await page.click('#erase-submit');
        await h.expectPresent(page, '#erase-fault', 'the refusal');
        await h.checkScreen(page, 'privacy-erase', { allowConsole: REFUSED });
        await page.check('#erase-confirm');
        await page.click('#erase-submit');
        await page.waitForURL(/\/privacy\?done=erased$/);
        assert.match(await text(page.locator('#privacy-status')), /effacée/);
        const done = page.locator(`tr.privacy-request[data-id]`, { hasText: 'Demande reçue par e-mail' }).first();
        assert.match(await text(page.locator('#privacy-requests')), /Personne effacée/);
        assert.match(await text(done), /Traitée/);
        assert.equal(await page.locator('#privacy-requests', { hasText: surname }).count(), 0, 'the name is gone');
      });
      const r = await fetch(`${server.base}/api/v1/contacts/${c.id}`, { headers: { authorization: `Bearer ${admin.token}` } });
      assert.equal(r.status, 404);
    });
  });
}

describe('a sales rep and personal data', () => {
  it('has no menu and no page', async () => {
    await h.withPage(browser, 1440, 'privacy-sales', async (page) => {
      await h.login(page, server.base, server.accounts.sales);
      assert.equal(await page.locator('#main-nav a[href$="/privacy"]').count(), 0);
      assert.equal((await page.goto(`${server.base}/privacy`)).status(), 403);
    });
  });
});
