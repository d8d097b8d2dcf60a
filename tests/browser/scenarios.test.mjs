// The demonstration scenarios of docs/scenarios/ (their section « Dans l'interface »),
// replayed step by step as written on a fresh `crm serve --demo` installation (see
// scenario.mjs for how the text and the screens are held together). At 1440 px each role
// plays in the first demo company, the one the texts name; at 375 px in the second, whose
// data the first run has not changed.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as h from './harness.mjs';
import { DEMO_PASSWORD, Replay, loadScenario, startDemo, tourPictures, tourShot } from './scenario.mjs';

let server;
let browser;
before(async () => {
  server = await startDemo();
  browser = await h.launchBrowser();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

/** A scenario that takes longer has hung (the file as a whole may take 10 minutes). */
const SCENARIO_LIMIT_MS = 120_000;

/** The demo company each width plays in (its accounts' domain). */
const DOMAINS = { 1440: 'fim-martin.fr', 375: 'duval-info.fr' };

/** Step 1 of every scenario: the login page, then the role's first screen. */
async function logIn(r, page, email) {
  await page.goto(`${server.base}/login`);
  await r.see('Connexion');
  await r.fill('Adresse e-mail', email);
  await r.fill('Mot de passe', DEMO_PASSWORD);
  await r.click('Se connecter');
  await page.waitForURL(/\/dashboard(\?[^/]*)?$/);
}

// The feature tour first, at both widths in the company the texts name: its pictures show
// the demo as loaded, before any scenario changes it (the tour itself only reads).
describe('the feature tour', () => {
  const domain = DOMAINS[1440];
  for (const width of h.WIDTHS) {
    it(`the feature tour at ${width} px: every picture of docs/presentation.md (presentation.md)`, { timeout: SCENARIO_LIMIT_MS }, async () => {
      const taken = [];
      const as = async (local, name, fn) =>
        h.withPage(browser, width, `tour-${name}`, async (page) => {
          await h.login(page, server.base, { email: `${local}@${domain}`, password: DEMO_PASSWORD });
          await fn(page);
          taken.push(await tourShot(page, name));
        });
      await as('commercial1', 'journee', async () => {});
      await as('commercial1', 'pipeline', async (page) => {
        await page.goto(`${server.base}/pipeline`);
      });
      await as('commercial1', 'recherche', async (page) => {
        await page.click('button#search-open');
        await page.locator('dialog#search input#search-input').fill('marti');
        await page.locator('dialog#search a.search-hit').first().waitFor();
      });
      await as('marketing', 'fiche', async (page) => {
        await page.goto(`${server.base}/campaigns`);
        await page.getByRole('link', { name: 'Invitation au salon professionnel', exact: true }).click();
        const clicker = page.locator('#campaign-recipients tbody tr').filter({ has: page.locator('td:nth-child(4):not(:empty)') }).first();
        await clicker.locator('a[href*="/contacts/"]').click();
        await page.locator('#score-details summary').click();
      });
      await as('marketing', 'campagne', async (page) => {
        await page.goto(`${server.base}/campaigns`);
        await page.getByRole('link', { name: 'Invitation au salon professionnel', exact: true }).click();
        await page.locator('#campaign-recipients').waitFor();
      });
      await as('marketing', 'automatismes', async (page) => {
        await page.goto(`${server.base}/settings/automations`);
      });
      await as('manager1', 'previsions', async (page) => {
        await page.goto(`${server.base}/forecast`);
      });
      await as('direction', 'rapports', async (page) => {
        await page.goto(`${server.base}/reports`);
      });
      await as('marketing', 'import', async (page) => {
        await page.goto(`${server.base}/imports`);
        await page.locator('td a[href*="/imports/"]').first().click();
        await page.waitForURL(/\/imports\/[0-9a-f-]+$/);
      });
      await as('admin', 'rgpd', async (page) => {
        await page.goto(`${server.base}/privacy`);
      });
      const shown = tourPictures().filter((p) => p.endsWith(`-${width}`));
      assert.deepEqual([...taken].sort(), [...shown].sort(), 'docs/presentation.md shows the pictures the tour takes, no more, no fewer');
    });
  }
});

for (const width of h.WIDTHS) {
  const domain = DOMAINS[width];

  describe(`demonstration scenarios at ${width} px`, () => {
    it('the day of a sales rep (commercial.md)', { timeout: SCENARIO_LIMIT_MS }, async () => {
      await h.withPage(browser, width, 'scenario-commercial', async (page) => {
        const r = new Replay(page, loadScenario('commercial.md'), 'commercial');
        await r.step(1, async () => {
          await logIn(r, page, `commercial1@${domain}`);
          await r.see('Ma journée');
        });
        await r.step(2, async () => {
          const oldest = page.locator('section.overdue li.task').first();
          const id = await oldest.getAttribute('id');
          await r.act('Fait', oldest.locator('button.done-button'));
          await page.locator(`li#${id}`).waitFor({ state: 'detached' });
        });
        let deal;
        await r.step(3, async () => {
          await r.nav('Pipeline');
          const card = page.locator('li.deal').filter({ has: page.locator('button.move-next') }).first();
          deal = await card.getAttribute('id');
          await card.locator('button.move-next').click();
          await page.locator('#board-message').waitFor();
        });
        await r.step(4, async () => {
          await page.locator(`li#${deal} a.deal-title`).click();
          await page.waitForURL(/\/opportunities\/[0-9a-f-]+$/);
        });
        await r.step(5, async () => {
          await page.locator('dl a[href*="/contacts/"]').first().click();
          await page.waitForURL(/\/contacts\/[0-9a-f-]+$/);
          await r.see('Ajouter une activité');
          await r.select('Quoi', 'Appel');
          await r.fill('Objet', 'Point sur le devis');
          await r.click('Ajouter', { scope: 'form#activity-form' });
          await page.getByText('Point sur le devis').first().waitFor();
        });
        r.finished();
      });
    });

    it('marketing follows its campaigns, automations and scores (marketing.md)', { timeout: SCENARIO_LIMIT_MS }, async () => {
      await h.withPage(browser, width, 'scenario-marketing', async (page) => {
        const r = new Replay(page, loadScenario('marketing.md'), 'marketing');
        await r.step(1, async () => {
          await logIn(r, page, `marketing@${domain}`);
          await r.see('Ma journée');
        });
        await r.step(2, async () => {
          await r.nav('Campagnes');
          await r.see('Invitation au salon professionnel');
          await r.see('Newsletter du trimestre');
        });
        await r.step(3, async () => {
          await r.click('Invitation au salon professionnel');
          await page.waitForURL(/\/campaigns\/[0-9a-f-]+$/);
        });
        await r.step(4, async () => {
          const clicker = page.locator('#campaign-recipients tbody tr').filter({ has: page.locator('td:nth-child(4):not(:empty)') }).first();
          await clicker.locator('a[href*="/contacts/"]').click();
          await page.waitForURL(/\/contacts\/[0-9a-f-]+$/);
          await r.act('Détail du score', page.locator('#score-details summary'));
        });
        await r.step(5, async () => {
          await r.nav('Automatismes');
          for (const name of [
            'Réponse à un email : prévenir le commercial',
            'Score de 30 ou plus : prospect chaud',
            'Affaire gagnée : questionnaire de satisfaction',
            'Actif',
          ]) {
            await r.see(name);
          }
          const rule = page.locator('li.automation').filter({ hasText: 'Clic dans un email : rappel par le commercial' });
          await r.act('Journal', rule.getByRole('link', { name: 'Journal', exact: true }));
          r.use('Clic dans un email : rappel par le commercial');
          await page.waitForURL(/\/settings\/automations\/[0-9a-f-]+$/);
        });
        await r.step(6, async () => {
          await r.nav('Score des prospects');
        });
        await r.step(7, async () => {
          await r.nav('Contacts');
          await r.fill('Étiquette', 'salon-2026');
          await r.select('Responsable', 'Léa Moreau');
          await r.click('Filtrer');
          await page.waitForURL(/tag=salon-2026/);
          await r.see('dans le vivier');
          // The first lead of the list whose status is still « Nouveau ».
          const list = page.url();
          const links = await page.locator('#contacts tbody tr a[href*="/contacts/"]').evaluateAll((as) => as.map((a) => a.href));
          let found = false;
          for (const href of links) {
            await page.goto(href);
            const now = page.locator('#lead-status-now');
            if ((await now.count()) > 0 && (await now.textContent())?.trim() === 'Nouveau') {
              found = true;
              break;
            }
          }
          assert.ok(found, `a new lead in ${list}`);
          await r.see('Piste');
          await r.see('Nouveau');
          await r.select('Statut de la piste', 'Qualifié');
          await r.click('Enregistrer le statut');
          await r.see('Statut de la piste enregistré.');
          await r.select('Remettre à', 'Julie Petit');
          await r.click('Remettre la piste');
          await r.see('Piste remise : son nouveau responsable en est prévenu.');
        });
        r.finished();
      });
    });

    it('a manager follows the team and validates its forecast (manager.md)', { timeout: SCENARIO_LIMIT_MS }, async () => {
      await h.withPage(browser, width, 'scenario-manager', async (page) => {
        const r = new Replay(page, loadScenario('manager.md'), 'manager');
        await r.step(1, async () => {
          await logIn(r, page, `manager1@${domain}`);
          await r.see('Ma journée');
        });
        await r.step(2, async () => {
          await r.nav('Mon équipe');
          await page.locator('a.member-deals').first().waitFor();
        });
        await r.step(3, async () => {
          await r.nav('Prévisions');
          await page.locator('#forecast-submitted').waitFor();
        });
        await r.step(4, async () => {
          await r.fill('Commentaire', 'Deux signatures attendues avant le 20');
          await r.click('Valider la prévision');
          await page.getByText('Prévision validée.').first().waitFor();
        });
        r.finished();
      });
    });

    it('the Admin cleans the base and answers GDPR requests (administrateur.md)', { timeout: SCENARIO_LIMIT_MS }, async () => {
      await h.withPage(browser, width, 'scenario-administrateur', async (page) => {
        const r = new Replay(page, loadScenario('administrateur.md'), 'administrateur');
        await r.step(1, async () => {
          await logIn(r, page, `admin@${domain}`);
          await r.see('Ma journée');
        });
        await r.step(2, async () => {
          await r.nav('Doublons');
          await r.click('Rechercher les doublons');
          await page.locator('button.merge-submit').first().waitFor();
        });
        await r.step(3, async () => {
          await r.act('Fusionner', page.locator('button.merge-submit').first());
          await page.getByText('Fusion faite').first().waitFor();
        });
        await r.step(4, async () => {
          await r.nav("Journal d'audit");
        });
        await r.step(5, async () => {
          await r.nav('Données personnelles');
        });
        await r.step(6, async () => {
          await r.nav('Intégrations');
        });
        r.finished();
      });
    });

    it('an observer reads everything and changes nothing (observateur.md)', { timeout: SCENARIO_LIMIT_MS }, async () => {
      await h.withPage(browser, width, 'scenario-observateur', async (page) => {
        const r = new Replay(page, loadScenario('observateur.md'), 'observateur');
        await r.step(1, async () => {
          await logIn(r, page, `direction@${domain}`);
          await r.see('Ma journée');
        });
        await r.step(2, async () => {
          await r.nav('Rapports');
        });
        await r.step(3, async () => {
          await r.nav('Pipeline');
          await page.locator('li.deal').first().waitFor();
          assert.equal(await page.locator('li.deal button').count(), 0, 'an observer moves no deal');
        });
        await r.step(4, async () => {
          await page.locator('li.deal a.deal-title').first().click();
          await page.waitForURL(/\/opportunities\/[0-9a-f-]+$/);
          assert.equal(await page.locator('#content form button').count(), 0, 'an observer changes no deal');
        });
        r.finished();
      });
    });
  });
}
