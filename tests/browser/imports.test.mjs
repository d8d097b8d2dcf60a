// Import and export in the browser: the wizard (upload, mapping guessed then corrected,
// dry run, import in the background, its report of the rows left out), and the export of
// the contact list as a French Excel CSV.
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import * as h from './harness.mjs';

let server;
let browser;
let dir;
before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
  dir = mkdtempSync(join(tmpdir(), 'crm-import-'));
});
after(async () => {
  await browser?.close();
  await server?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A file as French Excel saves it: UTF-8 with BOM, semicolons, CRLF. */
function frenchCsv(lines) {
  return Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(lines.join('\r\n') + '\r\n', 'utf8')]);
}

for (const width of h.WIDTHS) {
  const tag = h.widthTag(width);
  const w = String(width);

  describe(`import and export at ${width} px`, () => {
    it('imports a file through the wizard: mapping, dry run, import, report', async () => {
      const admin = await h.apiLogin(server.base, server.accounts.admin);
      // A contact the file updates (found by its email): its "Métier" becomes its job title.
      const existing = await h.createContact(admin, {
        first_name: 'Hélène',
        last_name: `Existante ${tag}`,
        emails: [`helene.${w}@exemple.fr`],
      });
      const path = join(dir, `salon-${w}.csv`);
      writeFileSync(
        path,
        frenchCsv([
          // A header of its own at each width: a file with the same headers as an earlier
          // import would get that import's mapping (the kept mappings), not the guess.
          `Prénom;Nom;E-mail;Société;Métier;Colonne interne ${tag}`,
          `Zoé;Aubert ${tag};zoe.${w}@exemple.fr;Cave Aubert ${tag};Caviste;x`,
          `Jean-Loïc;Barré ${tag};jl.${w}@exemple.fr;Cave Aubert ${tag};Sommelier;y`,
          `Hélène;Existante ${tag};helene.${w}@exemple.fr;;Œnologue;z`,
          `Sans;Adresse ${tag};pas-une-adresse;;;`,
          `Amélie;Caron ${tag};amelie.${w}@exemple.fr;;Acheteuse;`,
        ]),
      );

      await h.withPage(browser, width, 'imports', async (page) => {
        await h.login(page, server.base, server.accounts.admin);
        await page.goto(`${server.base}/contacts`);
        await page.click('a#import-contacts');
        await page.waitForURL(/\/imports$/);
        await h.expectPresent(page, 'form#import-upload', 'the upload form');
        await h.checkScreen(page, 'imports');

        await page.setInputFiles('input#import-file', path);
        await page.click('form#import-upload button[type=submit]');
        await page.waitForURL(/\/imports\/new\?file=[0-9a-f-]{36}&entity=contacts$/);
        // Guessed from the headers; the unknown ones left out.
        assert.equal(await page.inputValue('select#col-0'), 'first_name');
        assert.equal(await page.inputValue('select#col-2'), 'email');
        assert.equal(await page.inputValue('select#col-3'), 'organization');
        assert.equal(await page.inputValue('select#col-4'), '', '"Métier" is not guessed');
        assert.equal(await page.inputValue('select#col-5'), '');
        // The dry run of the guess is there at once: nothing to update yet (no job title).
        await h.expectPresent(page, '#dry-run', 'the dry run');
        assert.match(await page.locator('#dry-run-counts').innerText(), /3\s+à créer/);

        // "Métier" is the job title: choose it, check again.
        await page.selectOption('select#col-4', 'job_title');
        await page.click('button#import-check');
        await page.waitForLoadState('load');
        assert.equal(await page.inputValue('select#col-4'), 'job_title', 'the choice is kept');
        const counts = await page.locator('#dry-run-counts').innerText();
        assert.match(counts, /3\s+à créer/);
        assert.match(counts, /1\s+à mettre à jour/);
        assert.match(counts, /1\s+ignorées/);
        const notes = await page.locator('#dry-run-notes').innerText();
        assert.match(notes, /Ligne 5/);
        assert.match(notes, /Valeur refusée/);
        await h.checkScreen(page, 'import-plan');

        await page.click('button#import-start');
        await page.waitForURL(/\/imports\/[0-9a-f-]{36}$/);
        await page.locator('#import-state', { hasText: 'Terminé' }).waitFor();
        const done = await page.locator('#import-counts').innerText();
        assert.match(done, /3\s+créés/);
        assert.match(done, /1\s+mis à jour/);
        assert.match(done, /1\s+ignorées/);
        assert.match(await page.locator('#import-notes').innerText(), /Ligne 5 — Valeur refusée/);
        await h.checkScreen(page, 'import-progress');

        // The report: the row as it was, its line and the reason, for French Excel.
        const [download] = await Promise.all([page.waitForEvent('download'), page.click('a#import-report')]);
        const report = readFileSync(await download.path(), 'utf8');
        assert.ok(report.startsWith(`\ufeffPrénom;Nom;E-mail;Société;Métier;Colonne interne ${tag};Ligne;Raison`), report);
        assert.match(report, new RegExp(`Sans;Adresse ${tag};pas-une-adresse;;;;5;Valeur refusée`));

        // The list of imports shows it.
        await page.goto(`${server.base}/imports`);
        assert.match(await page.locator('table#imports').innerText(), new RegExp(`salon-${w}\\.csv`));
      });

      const updated = await admin.get(`/api/v1/contacts/${existing.id}`);
      assert.equal(updated.job_title, 'Œnologue');
      const found = await admin.get(`/api/v1/contacts?limit=200`);
      assert.ok(found.items.some((c) => c.last_name === `Aubert ${tag}` && c.job_title === 'Caviste'));
    });

    it('exports the contact list for French Excel from the list page', async () => {
      const admin = await h.apiLogin(server.base, server.accounts.admin);
      await h.createContact(admin, { kind: 'client', first_name: 'Lucie', last_name: `Exportée ${tag}`, emails: [`lucie.${w}@exemple.fr`] });
      await h.withPage(browser, width, 'exports', async (page) => {
        await h.login(page, server.base, server.accounts.admin);
        await page.goto(`${server.base}/contacts?kind=client`);
        await page.click('details#export-menu > summary');
        await page.locator('a#export-excel').waitFor({ state: 'visible' });
        await h.checkScreen(page, 'contacts-export');
        const [download] = await Promise.all([page.waitForEvent('download'), page.click('a#export-excel')]);
        assert.match(download.suggestedFilename(), /^contacts-\d{4}-\d{2}-\d{2}\.csv$/);
        const text = readFileSync(await download.path(), 'utf8');
        assert.ok(text.startsWith('\ufeffIdentifiant CRM;Id externe;Type;Prénom;Nom;E-mail;'), text.slice(0, 120));
        assert.match(text, new RegExp(`;;Client;Lucie;Exportée ${tag};lucie\\.${w}@exemple\\.fr;`));
        assert.ok(!/;Prospect;/.test(text), 'the list filter (clients) holds');
      });
    });
  });
}

for (const width of h.WIDTHS) {
  const tag = h.widthTag(width);
  const w = String(width);

  describe(`import of organizations at ${width} px`, () => {
    it('imports a file of organizations through the wizard', async () => {
      const path = join(dir, `societes-${w}.csv`);
      writeFileSync(
        path,
        frenchCsv([
          `Raison sociale;Site web;Effectif;Ville;Code ${tag}`,
          `Cave Bordelaise ${tag};cave-bordelaise-${w}.fr;12;Bordeaux;A`,
          `Domaine Neuf ${tag};domaine-neuf-${w}.fr;250 à 499;Beaune;B`,
          `;;;Paris;C`,
        ]),
      );
      await h.withPage(browser, width, 'imports-organizations', async (page) => {
        await h.login(page, server.base, server.accounts.admin);
        await page.goto(`${server.base}/imports`);
        await page.selectOption('select#import-entity-choice', 'organizations');
        await page.setInputFiles('input#import-file', path);
        await page.click('form#import-upload button[type=submit]');
        await page.waitForURL(/\/imports\/new\?file=[0-9a-f-]{36}&entity=organizations$/);
        assert.match(await page.locator('#import-entity').innerText(), /Des sociétés/);
        assert.equal(await page.inputValue('select#col-0'), 'organization');
        assert.equal(await page.inputValue('select#col-1'), 'website');
        assert.equal(await page.inputValue('select#col-2'), 'size');
        assert.equal(await page.inputValue('select#col-3'), 'city');
        assert.equal(await page.locator('input#import-anyway').count(), 0, 'no close-name option for organizations');
        const counts = await page.locator('#dry-run-counts').innerText();
        assert.match(counts, /2\s+à créer/);
        assert.match(counts, /1\s+ignorées/);
        await h.checkScreen(page, 'import-organizations-plan');
        await page.click('button#import-start');
        await page.waitForURL(/\/imports\/[0-9a-f-]{36}$/);
        await page.locator('#import-state', { hasText: 'Terminé' }).waitFor();
        assert.match(await page.locator('#import-counts').innerText(), /2\s+créés/);
        await page.click('a:has-text("Voir les sociétés")');
        await page.waitForURL(/\/organizations$/);
        assert.match(await page.locator('table#organizations').innerText(), new RegExp(`Domaine Neuf ${tag}`));
      });
    });
  });
}
