// Retention in the browser: two prospects collected four years ago and one collected
// today; the Admin opens « Durée de conservation des prospects » from the personal data
// page and finds the two old ones listed with « Jamais » as their last own contact, not
// the new one; chooses by keyboard to erase every night and saves; an erasure without the
// box ticked is refused, with it the two are erased and the count falls to zero; a third,
// anonymised, keeps a record that names no one. An Observer gets 403 from the API and the
// page.
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
// The erasure without its box is refused on purpose: 422.
const REFUSED = [/status of 422/];
const SURNAMES = { 1440: ['Ancienne', 'Oubliee', 'Nouvelle', 'Anonymee'], 375: ['Vieillie', 'Lointaine', 'Recente', 'Effacee'] };
const FOUR_YEARS = 4 * 365;

for (const width of h.WIDTHS) {
  const [old1, old2, fresh, anon] = SURNAMES[width];
  describe(`retention at ${width} px`, () => {
    it('lists the prospects whose time is up and erases them', async () => {
      const made = [];
      for (const last of [old1, old2, fresh]) {
        made.push(await h.createContact(admin, { first_name: 'Jeanne', last_name: last, emails: [`jeanne.${last.toLowerCase()}@exemple.fr`] }));
      }
      h.backdateContact(server, made[0].id, FOUR_YEARS);
      h.backdateContact(server, made[1].id, FOUR_YEARS + 30);
      const report = await admin.get('/api/v1/privacy/retention');
      assert.equal(report.total, 2, JSON.stringify(report));
      assert.deepEqual(report.prospects.map((p) => p.contact_id), [made[1].id, made[0].id], 'oldest first');

      await h.withPage(browser, width, 'retention', async (page) => {
        await h.login(page, server.base, server.accounts.admin);
        await page.goto(`${server.base}/privacy`);
        await page.click('#retention-link');
        await page.waitForURL(/\/privacy\/retention$/);
        assert.match(await text(page.locator('#retention-count')), /^2 prospect\(s\) sans contact de leur part depuis le \d\d\/\d\d\/\d{4}\. Ils sont seulement signalés/);
        const rows = page.locator('#retention-table tbody tr');
        assert.equal(await rows.count(), 2);
        assert.match(await text(rows.nth(0)), new RegExp(`Jeanne ${old2}.*Claire Duval.*Jamais`));
        assert.match(await text(rows.nth(1)), new RegExp(`Jeanne ${old1}`));
        assert.equal(await page.locator(`#retention-table >> text=${fresh}`).count(), 0, 'collected today: kept');
        await h.checkScreen(page, 'retention');

        // Erase every night, chosen by keyboard.
        await page.fill('#retention-months', '36');
        await page.focus('#retention-action-flag');
        await page.keyboard.press('ArrowDown');
        assert.equal(await page.locator('#retention-action-erase').isChecked(), true);
        await page.click('#retention-save');
        await page.waitForURL(/done=saved/);
        assert.match(await text(page.locator('#retention-status')), /enregistrée/);
        assert.equal(await page.locator('#retention-action-erase').isChecked(), true);
        assert.match(await text(page.locator('#retention-count')), /effacés cette nuit/);

        // Not without the box; then at once.
        await page.click('#retention-erase-submit');
        await h.expectPresent(page, '#retention-fault', 'the refusal');
        assert.match(await text(page.locator('#retention-fault')), /Cochez la case/);
        assert.equal(await rows.count(), 2, 'nothing erased');
        await page.check('#retention-confirm');
        await page.click('#retention-erase-submit');
        await page.waitForURL(/done=erased/);
        assert.match(await text(page.locator('#retention-status')), /^2 prospect\(s\) effacé\(s\)/);
        await h.expectPresent(page, '#retention-none', 'nothing left to erase');
        await h.checkScreen(page, 'retention-erased', { allowConsole: REFUSED });

        // Anonymised: a third old prospect; their record stays, naming no one.
        const third = await h.createContact(admin, { first_name: 'Jeanne', last_name: anon, emails: [`jeanne.${anon.toLowerCase()}@exemple.fr`], phones: ['06 11 22 33 44'] });
        h.backdateContact(server, third.id, FOUR_YEARS);
        await page.reload();
        assert.equal(await rows.count(), 1);
        await page.focus('#retention-anonymise-confirm');
        await page.keyboard.press('Space');
        await page.click('#retention-anonymise-submit');
        await page.waitForURL(/done=anonymised/);
        assert.match(await text(page.locator('#retention-status')), /^1 prospect\(s\) anonymisé\(s\)/);
        await h.expectPresent(page, '#retention-none', 'nothing left due');
        await page.goto(`${server.base}/contacts/${third.id}`);
        assert.match(await text(page.locator('h1')), /Prospect anonymisé #[0-9A-F]{6}/);
        assert.equal(await page.locator(`text=${anon}`).count(), 0, 'their name is gone');
        assert.equal(await page.locator('text=06 11 22 33 44').count(), 0, 'their phone is gone');
        await h.checkScreen(page, 'retention-anonymised', { allowConsole: REFUSED });
        await page.goto(`${server.base}/privacy/retention`);

        // Back to flagging only.
        await page.check('#retention-action-flag');
        await page.click('#retention-save');
        await page.waitForURL(/done=saved/);
        assert.match(await text(page.locator('#retention-count')), /seulement signalés/);
      });
      for (const [c, status] of [[made[0], 404], [made[1], 404], [made[2], 200]]) {
        assert.equal((await admin.request('GET', `/api/v1/contacts/${c.id}`)).status, status, c.last_name);
      }
      const anonymised = (await admin.get('/api/v1/contacts?limit=200')).items.filter((c) => c.first_name === 'Prospect');
      assert.ok(anonymised.length >= 1 && anonymised.every((c) => /^anonymisé #/.test(c.last_name) && c.emails.length === 0), JSON.stringify(anonymised));
      assert.equal((await admin.get('/api/v1/tenant')).settings.retention_action, 'flag');
    });
  });
}

describe('an observer and retention', () => {
  it('is refused the report and the page', async () => {
    const observer = await h.apiLogin(server.base, server.accounts.observer);
    assert.equal((await observer.request('GET', '/api/v1/privacy/retention')).status, 403);
    assert.equal((await observer.request('POST', '/api/v1/privacy/retention/erase')).status, 403);
    assert.equal((await observer.request('POST', '/api/v1/privacy/retention/anonymise')).status, 403);
    await h.withPage(browser, 1440, 'retention-observer', async (page) => {
      await h.login(page, server.base, server.accounts.observer);
      assert.equal((await page.goto(`${server.base}/privacy/retention`)).status(), 403);
    });
  });
});
