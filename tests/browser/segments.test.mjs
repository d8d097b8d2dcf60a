// Segments in the browser: Marketing builds a dynamic segment with the rule builder
// (a tag, and a group « au moins une » of two contact types), watches the live count,
// saves it, and the contact list filtered on the segment counts and shows the same
// contacts; a static list is filled from a search and from a selection, and a member is
// taken out of it. A sales rep reads segments but has no button to make one.
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

async function tagged(api, tag, kind, first, last) {
  const c = await api.post('/api/v1/contacts?confirm_duplicates=true', { kind, first_name: first, last_name: last, emails: [], phones: [], tags: [tag] });
  return c;
}

for (const width of h.WIDTHS) {
  describe(`segments at ${width} px`, () => {
    it('Marketing builds a segment whose live count matches the filtered list', async () => {
      const tag = `salon-bordeaux-${width}`;
      // Two prospects and a partner at the fair, a client too (not asked for), and two
      // prospects elsewhere.
      const wanted = [
        await tagged(admin, tag, 'prospect', 'Amandine', `Segment${width}A`),
        await tagged(admin, tag, 'prospect', 'Bastien', `Segment${width}B`),
        await tagged(admin, tag, 'partner', 'Chloé', `Segment${width}C`),
      ];
      await tagged(admin, tag, 'client', 'Damien', `Segment${width}D`);
      await tagged(admin, `autre-${width}`, 'prospect', 'Elodie', `Segment${width}E`);
      await tagged(admin, `autre-${width}`, 'partner', 'Fabien', `Segment${width}F`);

      await h.withPage(browser, width, 'segments', async (page) => {
        await h.login(page, server.base, server.accounts.marketing);
        await h.revealNav(page);
        await page.click('nav#main-nav a[href$="/segments"]');
        await page.waitForURL(/\/segments$/);
        await page.click('#new-segment');
        await page.waitForURL(/\/segments\/new$/);
        await page.fill('#segment-name', `Salon de Bordeaux ${width}`);
        const builder = page.locator('#segment-builder');
        // Condition 1: the tag.
        await builder.locator('.rule-add-condition').first().click();
        const first = builder.locator('.rule-condition').first();
        await first.locator('.rule-field').selectOption('tag');
        await first.locator('.rule-op').selectOption('has');
        await first.locator('.rule-value-input').fill(tag);
        await page.waitForFunction(() => document.querySelector('#segment-count-value')?.textContent === '4');
        // A group « au moins une »: prospect or partner.
        await builder.locator('.rule-add-group').first().click();
        const group = builder.locator('.rule-group .rule-group').first();
        await group.locator('.rule-mode').selectOption('any');
        const a = group.locator('.rule-condition').first();
        await a.locator('.rule-field').selectOption('kind');
        await a.locator('.rule-op').selectOption('eq');
        await a.locator('.rule-value-input').selectOption('prospect');
        await group.locator('.rule-add-condition').click();
        const b = group.locator('.rule-condition').nth(1);
        await b.locator('.rule-field').selectOption('kind');
        await b.locator('.rule-op').selectOption('eq');
        await b.locator('.rule-value-input').selectOption('partner');
        await page.waitForFunction(() => document.querySelector('#segment-count-value')?.textContent === '3');
        const rule = JSON.parse(await page.locator('#segment-rule').inputValue());
        assert.deepEqual(rule, {
          all: [
            { field: 'tag', op: 'has', value: tag },
            { any: [{ field: 'kind', op: 'eq', value: 'prospect' }, { field: 'kind', op: 'eq', value: 'partner' }] },
          ],
        });
        await h.checkScreen(page, 'segment-builder');
        await page.click('#segment-save');
        await page.waitForURL(/done=saved/);
        const row = page.locator('#segments tr', { hasText: `Salon de Bordeaux ${width}` });
        assert.equal(await text(row.locator('.segment-count')), '3');
        await h.checkScreen(page, 'segments');

        // The list filtered on the segment: the same three.
        await row.locator('a.segment-members').click();
        await page.waitForURL(/segment_id=/);
        assert.match(await text(page.locator('#contacts-total')), /^3 contacts/);
        const shown = await page.locator('#contacts tbody tr').evaluateAll((rows) => rows.map((r) => r.dataset.id));
        assert.deepEqual(shown.sort(), wanted.map((c) => c.id).sort());
        await h.checkScreen(page, 'segment-members');
      });
    });

    it('a static list is filled from a search and a selection, and a member taken out', async () => {
      const last = `Listing${width}`;
      const people = [];
      for (const first of ['Gaëlle', 'Hugo', 'Irène']) people.push(await h.createContact(admin, { first_name: first, last_name: last }));
      await h.waitForSearch(admin, last, (hits) => hits.filter((x) => x.type === 'contact').length === 3);
      await h.withPage(browser, width, 'segment-list', async (page) => {
        await h.login(page, server.base, server.accounts.marketing);
        await page.goto(`${server.base}/segments/new?static=1`);
        await page.fill('#segment-name', `Invités ${width}`);
        await page.click('#segment-save');
        await page.waitForURL(/done=saved/);
        const row = page.locator('#segments tr', { hasText: `Invités ${width}` });
        assert.equal(await text(row.locator('.segment-count')), '0');
        await row.locator('.segment-search input[name=q]').fill(last);
        await row.locator('.segment-search button').click();
        await page.waitForURL(/done=added/);
        assert.match(await text(page.locator('#segments-status')), /3$/);
        assert.equal(await text(page.locator('#segments tr', { hasText: `Invités ${width}` }).locator('.segment-count')), '3');
        // Its members; one taken out of the list.
        await page.locator('#segments tr', { hasText: `Invités ${width}` }).locator('a.segment-members').click();
        await page.waitForURL(/segment_id=/);
        await page.check(`#pick-${people[0].id}`);
        await page.selectOption('#bulk-action', 'unlist');
        await page.click('#bulk button[type=submit]');
        await page.waitForURL(/changed=1/);
        assert.match(await text(page.locator('#contacts-total')), /^2 contacts/);
        assert.equal(await page.locator(`#contacts tr[data-id="${people[0].id}"]`).count(), 0);
      });
    });
  });
}

describe('a sales rep and segments', () => {
  it('reads them without the buttons to make one', async () => {
    await h.withPage(browser, 1440, 'segments-sales', async (page) => {
      await h.login(page, server.base, server.accounts.sales);
      await page.goto(`${server.base}/segments`);
      assert.equal(await page.locator('#new-segment').count(), 0);
      assert.equal((await page.goto(`${server.base}/segments/new`)).status(), 403);
    });
  });
});
