// The suppression list in the browser (Admin): reached from the imports page, a value
// added with its reason and note, looked up (written otherwise, it is still found), then
// removed; a sales rep is refused the page. And the organizations' export menu.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
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
  const w = String(width);

  describe(`suppression list at ${width} px`, () => {
    it('adds, finds and removes a value; a sales rep is refused', async () => {
      await h.withPage(browser, width, 'suppressions', async (page) => {
        await h.login(page, server.base, server.accounts.admin);
        await page.goto(`${server.base}/imports`);
        // The whole company, downloaded as one archive.
        const [zip] = await Promise.all([page.waitForEvent('download'), page.click('a#company-export')]);
        assert.match(zip.suggestedFilename(), /^entreprise-\d{4}-\d{2}-\d{2}\.zip$/);
        assert.equal(readFileSync(await zip.path()).subarray(0, 2).toString(), 'PK');
        await page.click('a#suppressions-link');
        await page.waitForURL(/\/suppressions$/);
        await h.expectPresent(page, 'form#add-form', 'the form to add a value');

        await page.fill('input#add-value', `Stop.${w}@Exemple.fr`);
        await page.selectOption('select#add-reason', 'unsubscribed');
        await page.fill('input#add-note', `demande reçue par téléphone ${w}`);
        await page.click('form#add-form button[type=submit]');
        await page.waitForURL(/\/suppressions\?done=added$/);
        assert.match(await page.locator('#content p[role=status]').first().innerText(), /Ajoutée à la liste d'exclusion/);
        const row = page.locator('table#suppressions tbody tr', { hasText: `demande reçue par téléphone ${w}` });
        assert.match(await row.innerText(), /Désinscription/);

        // Written otherwise, the same address is found.
        await page.fill('input#lookup-value', `stop.${w}@exemple.fr`);
        await page.click('form#lookup-form button[type=submit]');
        await page.waitForURL(/\/suppressions\?value=/);
        assert.match(await page.locator('#lookup-result').innerText(), /sur la liste \(Désinscription,/);
        await h.checkScreen(page, 'suppressions');

        // Twice: refused, said so.
        await page.fill('input#add-value', `stop.${w}@exemple.fr`);
        await page.click('form#add-form button[type=submit]');
        assert.match(await page.locator('#content p[role=alert]').innerText(), /déjà sur la liste/);
        // Not an address nor a number: refused, said so, the value given back.
        await page.fill('input#add-value', 'pas une adresse');
        await page.click('form#add-form button[type=submit]');
        assert.match(await page.locator('#content p[role=alert]').innerText(), /Ni une adresse e-mail ni un numéro/);
        assert.equal(await page.inputValue('input#add-value'), 'pas une adresse');

        await page
          .locator('table#suppressions tbody tr', { hasText: `demande reçue par téléphone ${w}` })
          .getByRole('button', { name: /Retirer/ })
          .click();
        await page.waitForURL(/\/suppressions\?done=removed$/);
        assert.equal(await page.locator('table#suppressions tbody tr', { hasText: `demande reçue par téléphone ${w}` }).count(), 0);
      });
      await h.withPage(browser, width, 'suppressions-refused', async (page) => {
        await h.login(page, server.base, server.accounts.sales);
        await page.goto(`${server.base}/imports`);
        assert.equal(await page.locator('a#suppressions-link').count(), 0, 'no link for a sales rep');
        assert.equal(await page.locator('a#company-export').count(), 0, 'nor the company export');
        const res = await page.goto(`${server.base}/suppressions`);
        assert.equal(res.status(), 403);
      });
    });

    it('exports the organizations from their list', async () => {
      await h.withPage(browser, width, 'organizations-export', async (page) => {
        await h.login(page, server.base, server.accounts.admin);
        await page.goto(`${server.base}/organizations`);
        await page.click('details#export-menu > summary');
        await page.locator('a#export-xlsx').waitFor({ state: 'visible' });
        await h.checkScreen(page, 'organizations-export');
        const [download] = await Promise.all([page.waitForEvent('download'), page.click('a#export-excel')]);
        assert.match(download.suggestedFilename(), /^societes-\d{4}-\d{2}-\d{2}\.csv$/);
        const text = readFileSync(await download.path(), 'utf8');
        assert.ok(text.startsWith('\ufeffIdentifiant CRM;Id externe;Nom;Site web;Secteur;Taille;'), text.slice(0, 120));
      });
    });
  });
}
