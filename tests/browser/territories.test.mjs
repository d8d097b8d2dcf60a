// Territories in the browser: the Admin adds one from the users page (a fault named
// first), checks which territory a postcode falls in, then creates a contact « assigned
// by territory »: its owner is a rep of the territory's team. Marketing imports a file
// « by territory »: the dry run counts the new contacts per territory, and the covered
// ones go to the team's reps, the others stay in the pool. A sales rep has no page.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as h from './harness.mjs';

let server;
let browser;
let admin;
let reps;
let teamId;
before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
  admin = await h.apiLogin(server.base, server.accounts.admin);
  const users = await admin.get('/api/v1/users');
  const id = (k) => users.find((u) => u.email === server.accounts[k].email);
  reps = [id('sales'), id('sales2')];
  const team = await admin.post('/api/v1/teams', { name: 'Équipe Aquitaine', manager_id: id('manager').id });
  teamId = team.id;
  for (const u of reps) {
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

// The refusal asked for on purpose answers 422.
const REFUSED = [/status of 422/];

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();

for (const width of h.WIDTHS) {
  describe(`territories at ${width} px`, () => {
    it('the Admin adds a territory, checks a postcode, and a new contact goes to its team', async () => {
      await h.withPage(browser, width, 'territories', async (page) => {
        await h.login(page, server.base, server.accounts.admin);
        await page.goto(`${server.base}/settings/users`);
        await page.click('#territories-link');
        await page.waitForURL(/\/settings\/territories$/);
        // Nothing to cover: refused, named.
        await page.fill('#territory-name', `Sud-Ouest ${width}`);
        await page.selectOption('#territory-team', { label: 'Équipe Aquitaine' });
        await page.click('#territory-add');
        assert.match(await text(page.locator('#territories-fault')), /au moins un département/);
        // Departments of the South-West.
        await page.fill('#territory-name', `Sud-Ouest ${width}`);
        await page.selectOption('#territory-team', { label: 'Équipe Aquitaine' });
        await page.fill('#territory-areas', width === 1440 ? '33, 40, 64' : '47; 24');
        await page.click('#territory-add');
        await page.waitForURL(/done=created/);
        const row = page.locator('.territory', { has: page.locator(`input[value="Sud-Ouest ${width}"]`) });
        assert.equal(await row.count(), 1);
        const postcode = width === 1440 ? '33700' : '47000';
        await page.fill('#check-postal', postcode);
        await page.click('#check-submit');
        await page.waitForURL(/postal_code=/);
        assert.match(await text(page.locator('#check-answer')), new RegExp(`Sud-Ouest ${width} — équipe Équipe Aquitaine`));
        await h.checkScreen(page, 'territories', { allowConsole: REFUSED });

        // A new contact left to the territories.
        await page.goto(`${server.base}/contacts/new`);
        await page.fill('#first_name', 'Martine');
        await page.fill('#last_name', `Territoire${width}`);
        await page.fill('#postal_code', postcode);
        await page.fill('#city', width === 1440 ? 'Mérignac' : 'Agen');
        await page.check('#owner-by-territory');
        await h.checkScreen(page, 'contact-new-territory', { allowConsole: REFUSED });
        await page.click('form#contact-form button.primary');
        await page.waitForURL(/\/contacts\/[0-9a-f-]{36}$/);
        const id = page.url().split('/').pop();
        const c = await admin.get(`/api/v1/contacts/${id}`);
        assert.ok(reps.some((r) => r.id === c.owner_id), `owner ${c.owner_id} is a rep of the team`);
        assert.equal(c.address?.postal_code ?? c.postal_code, postcode);
      });
    });
  });
}

for (const width of h.WIDTHS) describe(`an import by territory at ${width} px`, () => {
  it('Marketing gives the new prospects of a file to the territory\'s team', async () => {
    if (width === h.WIDTHS[0]) {
      await admin.post('/api/v1/territories', { name: 'Bretagne', team_id: teamId, areas: ['29', '56'], industries: [] });
    }
    const dir = mkdtempSync(join(tmpdir(), 'crm-territory-import-'));
    const path = join(dir, 'salon-brest.csv');
    // Names far apart from one width to the other (else « doublon possible »).
    const [[yann, goff], [soizic, bihan], [paul, durand]] =
      width === 1440
        ? [['Yann', 'Le Goff'], ['Soizic', 'Le Bihan'], ['Paul', 'Durand']]
        : [['Gwenaëlle', 'Kerleau'], ['Maël', 'Tanguy'], ['Odile', 'Mercier']];
    writeFileSync(
      path,
      [
        'Prénom;Nom;E-mail;Code postal',
        `${yann};${goff};${goff.replace(/\W/g, '')}@brest.bzh;29200`,
        `${soizic};${bihan};${bihan.replace(/\W/g, '')}@vannes.bzh;56000`,
        `${paul};${durand};${durand}@lyon.fr;69003`,
      ].join('\r\n'),
    );
    try {
      await h.withPage(browser, width, 'import-territory', async (page) => {
        await h.login(page, server.base, server.accounts.marketing);
        await page.goto(`${server.base}/imports`);
        await page.setInputFiles('input#import-file', path);
        await page.click('form#import-upload button[type=submit]');
        await page.waitForURL(/\/imports\/new\?file=/);
        await page.check('#import-territory');
        await page.click('button#import-check');
        await page.waitForLoadState('load');
        assert.ok(await page.isChecked('#import-territory'), 'the choice is kept');
        const routed = await text(page.locator('#dry-run-territories'));
        assert.match(routed, /Bretagne : 2/);
        assert.match(routed, /Sans territoire : 1/);
        assert.match(await text(page.locator('#dry-run-rows')), /→ Bretagne/);
        await h.checkScreen(page, 'import-territory');
        await page.click('button#import-start');
        await page.waitForURL(/\/imports\/[0-9a-f-]{36}$/);
        await page.locator('#import-state', { hasText: 'Terminé' }).waitFor();
      });
      const list = await admin.get('/api/v1/contacts?limit=200');
      const items = list.items ?? list;
      const by = (first) => items.find((c) => c.first_name === first);
      for (const first of [yann, soizic]) {
        assert.ok(reps.some((r) => r.id === by(first).owner_id), `${first} goes to a rep of the team`);
      }
      assert.notEqual(by(yann).owner_id, by(soizic).owner_id, 'in turn');
      assert.ok(!reps.some((r) => r.id === by(paul).owner_id), 'no territory: stays with Marketing, in the pool');
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a sales rep and territories', () => {
  it('has no page and no choice on a new contact', async () => {
    await h.withPage(browser, 1440, 'territories-sales', async (page) => {
      await h.login(page, server.base, server.accounts.sales);
      assert.equal((await page.goto(`${server.base}/settings/territories`)).status(), 403);
      await page.goto(`${server.base}/contacts/new`);
      assert.equal(await page.locator('#owner-by-territory').count(), 0);
    });
  });
});
