// Pipelines and stages in the browser: the Admin creates a pipeline with three stages, is
// told as they type — and refused when they save anyway — that a probability decreases,
// reorders the stages (with the arrow buttons, the keyboard's way, and by dragging the
// handle) and finds the order kept; takes a stage out, choosing where its open deal goes
// (its lost deal keeps it, archived); a sales rep has neither the menu nor the page.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as h from './harness.mjs';

const REFUSED = [/status of 422/];

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

/** The stage names of a pipeline's form, in the page's order. */
async function names(form) {
  return form.locator('.stage-row input[name=stage_name]').evaluateAll((inputs) => inputs.map((i) => i.value).filter((v) => v));
}

for (const width of h.WIDTHS) {
  describe(`pipelines and stages at ${width} px`, () => {
    it('the Admin creates a pipeline, is refused a decreasing probability, reorders the stages', async () => {
      const api = await h.apiLogin(server.base, server.accounts.admin);
      const title = `Grands comptes ${width}`;
      await h.withPage(browser, width, 'stages', async (page) => {
        await h.login(page, server.base, server.accounts.admin);
        await h.revealNav(page);
        await page.click('nav#main-nav a[href$="/settings/pipelines"]');
        await page.waitForURL(/\/settings\/pipelines$/);
        const form = page.locator('#pipeline-new');
        await form.locator('input[name=name]').fill(title);
        const row = (i) => form.locator('.stage-row').nth(i);
        await row(0).locator('input[name=stage_name]').fill('Premier contact');
        await row(0).locator('input[name=stage_probability]').fill('20');
        await form.locator('.stage-add').click();
        await row(1).locator('input[name=stage_name]').fill('Démonstration');
        await row(1).locator('input[name=stage_probability]').fill('10');
        // Told as it is typed.
        assert.match(await form.locator('.stage-check').innerText(), /doit dépasser 20 %/);
        assert.equal(await row(1).locator('input[name=stage_probability]').getAttribute('aria-invalid'), 'true');
        await form.locator('.stage-add').click();
        await row(2).locator('input[name=stage_name]').fill('Offre');
        await row(2).locator('input[name=stage_probability]').fill('70');
        // Saved anyway: the domain refuses it, naming the stage.
        await form.locator('.stages-save').click();
        const refused = page.locator('#pipeline-new .stages-fault');
        assert.match(await refused.innerText(), /Étape 2 \(Démonstration\).*doit dépasser celle de l'étape précédente/);
        await h.checkScreen(page, 'stages-refused', { allowConsole: REFUSED });
        // What was typed is still there; fixed, it is created.
        assert.deepEqual(await names(form), ['Premier contact', 'Démonstration', 'Offre']);
        await row(1).locator('input[name=stage_probability]').fill('40');
        assert.equal(await form.locator('.stage-check').innerText(), '');
        await form.locator('.stages-save').click();
        await page.waitForURL(/done=created/);
        const created = (await api.get('/api/v1/pipelines')).find((p) => p.name === title);
        assert.deepEqual(
          created.stages.map((s) => [s.name, s.probability]),
          [
            ['Premier contact', 20],
            ['Démonstration', 40],
            ['Offre', 70],
          ],
        );

        // Reordered: « Offre » goes up with its arrow, probabilities follow the new order.
        const mine = page.locator(`#pipeline-${created.id}`);
        const line = (i) => mine.locator('.stage-row').nth(i);
        await line(2).locator('.stage-up').click();
        assert.deepEqual(await names(mine), ['Premier contact', 'Offre', 'Démonstration']);
        assert.match(await mine.locator('.stage-check').innerText(), /Démonstration/);
        await line(1).locator('input[name=stage_probability]').fill('30');
        assert.equal(await mine.locator('.stage-check').innerText(), '');
        // « Premier contact » dragged by its handle below « Offre »: not allowed by the
        // probabilities (20 after 30), said at once; moved back with the keyboard.
        const handle = line(0).locator('.drag-handle');
        const target = line(1);
        const from = await handle.boundingBox();
        const to = await target.boundingBox();
        await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
        await page.mouse.down();
        await page.mouse.move(from.x + from.width / 2, from.y + 20, { steps: 4 });
        await page.mouse.move(to.x + to.width / 2, to.y + to.height - 4, { steps: 12 });
        await page.mouse.up();
        assert.deepEqual(await names(mine), ['Offre', 'Premier contact', 'Démonstration']);
        assert.match(await mine.locator('.stage-check').innerText(), /Premier contact/);
        await line(1).locator('.stage-up').focus();
        await page.keyboard.press('Enter');
        assert.deepEqual(await names(mine), ['Premier contact', 'Offre', 'Démonstration']);
        await mine.locator('.stages-save').click();
        await page.waitForURL(/done=saved/);
        assert.deepEqual(await names(page.locator(`#pipeline-${created.id}`)), ['Premier contact', 'Offre', 'Démonstration']);
        const saved = (await api.get('/api/v1/pipelines')).find((p) => p.id === created.id);
        assert.deepEqual(
          saved.stages.map((s) => [s.name, s.probability]),
          [
            ['Premier contact', 20],
            ['Offre', 30],
            ['Démonstration', 40],
          ],
        );
        // The same stages kept their ids (deals in them stay).
        assert.deepEqual(
          saved.stages.map((s) => s.id).sort(),
          created.stages.map((s) => s.id).sort(),
        );
        await h.checkScreen(page, 'stages', { allowConsole: REFUSED });

        // A stage taken out with deals: its open deal goes where the Admin says, its lost
        // deal keeps it (archived, still named).
        const offre = saved.stages.find((s) => s.name === 'Offre');
        const demo = saved.stages.find((s) => s.name === 'Démonstration');
        const deal = (title) => api.post('/api/v1/opportunities', { pipeline_id: created.id, stage_id: offre.id, title, value_minor: 100_000 });
        const open = await deal(`Ouverte ${width}`);
        const lost = await deal(`Perdue ${width}`);
        const r = await fetch(`${server.base}/api/v1/opportunities/${lost.id}/lose`, {
          method: 'POST',
          headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json', 'if-match': `"${lost.version}"` },
          body: JSON.stringify({ reason: 'prix' }),
        });
        assert.equal(r.status, 200);
        await page.goto(`${server.base}/settings/pipelines`);
        const again = page.locator(`#pipeline-${created.id}`);
        await again.locator('.stage-row:has(input[value="Offre"]) .stage-remove').click();
        await again.locator('.stages-save').click();
        assert.match(await page.locator(`#pipeline-${created.id} .stages-fault`).innerText(), /affaires en cours/);
        await h.checkScreen(page, 'stages-move', { allowConsole: REFUSED });
        await page.locator(`#pipeline-${created.id} select[name=move_to]`).selectOption({ label: 'Démonstration' });
        await page.locator(`#pipeline-${created.id} .stages-save`).click();
        await page.waitForURL(/done=saved/);
        assert.match(await page.locator(`#pipeline-${created.id} .stages-archived`).innerText(), /Offre/);
        assert.deepEqual(await names(page.locator(`#pipeline-${created.id}`)), ['Premier contact', 'Démonstration']);
        assert.equal((await api.get(`/api/v1/opportunities/${open.id}`)).stage_id, demo.id);
        assert.equal((await api.get(`/api/v1/opportunities/${lost.id}`)).stage_id, offre.id);
        const archived = (await api.get(`/api/v1/pipelines/${created.id}`)).archived_stages;
        assert.deepEqual(archived.map((s) => s.name), ['Offre']);
      });
    });

    it('a sales rep has neither the menu nor the page', async () => {
      await h.withPage(browser, width, 'stages-sales', async (page) => {
        await h.login(page, server.base, server.accounts.sales);
        assert.equal(await page.locator('nav#main-nav a[href$="/settings/pipelines"]').count(), 0);
        assert.equal((await page.goto(`${server.base}/settings/pipelines`)).status(), 403);
      });
    });
  });
}
