// The pipeline board, an opportunity's page, the to-do list, the dashboard and the live
// updates: a card dragged to the next stage; a skipped stage refused with the rule's
// message and the card back in its column; the same by keyboard; lost with a reason; a
// change made in a second browser context appears in the first without a reload; a task
// done with one click.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import * as h from './harness.mjs';

let server;
let browser;
let pipeline;
before(async () => {
  server = await h.startServer();
  browser = await h.launchBrowser();
  const api = await h.apiLogin(server.base, server.accounts.admin);
  const pipelines = await api.get('/api/v1/pipelines');
  pipeline = pipelines[0];
  assert.ok(pipeline?.stages?.length >= 4, `a default pipeline of four stages or more: ${JSON.stringify(pipeline)}`);
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

const text = async (locator) => (await locator.innerText()).replace(/\s+/g, ' ').trim();

function deal(api, title, { stage = 0, value = 1_234_550 } = {}) {
  return api.post('/api/v1/opportunities', {
    pipeline_id: pipeline.id,
    stage_id: pipeline.stages[stage].id,
    title,
    value_minor: value,
  });
}

/** The column (index) a card is in, or -1. */
async function columnOf(page, id) {
  return page.evaluate((id) => {
    const card = document.getElementById(`deal-${id}`);
    if (!card) return -1;
    return Array.from(document.querySelectorAll('ol.cards')).indexOf(card.closest('ol.cards'));
  }, id);
}

/** Drags a card onto a column with the mouse, in small steps (SortableJS's fallback mode). */
async function drag(page, id, column) {
  // The board's columns become sortable once htmx has settled a new board.
  await page.waitForFunction(() => Array.from(document.querySelectorAll('ol.cards')).every((o) => o.dataset.sortable === '1'));
  const card = page.locator(`#deal-${id} .deal-value`);
  await card.scrollIntoViewIfNeeded();
  const from = await card.boundingBox();
  const target = page.locator('ol.cards').nth(column);
  await target.scrollIntoViewIfNeeded();
  const to = await target.boundingBox();
  await page.mouse.move(from.x + from.width / 2, from.y + from.height / 2);
  await page.mouse.down();
  await page.mouse.move(from.x + from.width / 2 + 10, from.y + from.height / 2 + 10, { steps: 5 });
  await page.mouse.move(to.x + to.width / 2, to.y + 30, { steps: 25 });
  await page.waitForTimeout(100);
  await page.mouse.move(to.x + to.width / 2 + 4, to.y + 40, { steps: 4 });
  await page.waitForTimeout(100);
  await page.mouse.up();
}

for (const width of h.WIDTHS) {
  const tag = h.widthTag(width);
  const desktop = width >= 768;

  describe(`pipeline at ${width} px`, () => {
    it('moves a card to the next stage, refuses a skipped stage and puts the card back', async () => {
      const api = await h.apiLogin(server.base, server.accounts.admin);
      const o = await deal(api, `Cuves inox ${tag}`);
      await h.withPage(browser, width, 'board', async (page) => {
        await h.login(page, server.base, server.accounts.admin);
        await page.goto(`${server.base}/pipeline?pipeline=${pipeline.id}`);
        await h.expectPresent(page, `#deal-${o.id}`, 'the new card');
        assert.equal(await columnOf(page, o.id), 0);
        assert.match(await text(page.locator(`#deal-${o.id} .deal-value`)), /12 345,50 €/);
        assert.match(await text(page.locator('section.column').first().locator('.totals')), /Total/);
        await h.checkScreen(page, 'board');

        if (desktop) {
          await drag(page, o.id, 1);
        } else {
          // On a phone, the card's own button (a touch drag is also possible, but this is
          // the way a thumb and a keyboard share).
          await page.locator(`#deal-${o.id} button.move-next`).click();
        }
        await page.locator('#board-message').waitFor();
        assert.equal(await text(page.locator('#board-message')), 'Affaire déplacée.');
        assert.equal(await columnOf(page, o.id), 1);
        const moved = await api.get(`/api/v1/opportunities/${o.id}`);
        assert.equal(moved.stage_id, pipeline.stages[1].id);

        if (desktop) {
          // Skipping a stage: refused with the rule's message, the card back where it was.
          await drag(page, o.id, 3);
          await page.locator('#board-message[role="alert"]').waitFor();
          assert.match(await text(page.locator('#board-message')), /une étape à la fois/);
          assert.equal(await columnOf(page, o.id), 1);
          assert.equal((await api.get(`/api/v1/opportunities/${o.id}`)).stage_id, pipeline.stages[1].id);
        }

        // By keyboard: Tab to the card's "next stage" button, Enter.
        const next = page.locator(`#deal-${o.id} button.move-next`);
        await next.focus();
        await page.keyboard.press('Enter');
        await page.waitForFunction((id) => {
          const card = document.getElementById(`deal-${id}`);
          return card && Array.from(document.querySelectorAll('ol.cards')).indexOf(card.closest('ol.cards')) === 2;
        }, o.id);
        await h.checkScreen(page, 'board-moved');
      });
    });

    it('loses a deal at the last stage with a reason', async () => {
      const api = await h.apiLogin(server.base, server.accounts.admin);
      const last = pipeline.stages.length - 1;
      const o = await deal(api, `Pressoir ${tag}`, { stage: last, value: 800_000 });
      await h.withPage(browser, width, 'board-lose', async (page) => {
        await h.login(page, server.base, server.accounts.admin);
        await page.goto(`${server.base}/pipeline?pipeline=${pipeline.id}`);
        await h.expectPresent(page, `#deal-${o.id}`);
        await page.locator(`#deal-${o.id} details.lose summary`).click();
        await page.locator(`#reason-${o.id}`).fill('Budget reporté à l’an prochain');
        await page.locator(`#deal-${o.id} details.lose button[type="submit"]`).click();
        await page.locator('#board-message').waitFor();
        assert.equal(await text(page.locator('#board-message')), 'Affaire perdue.');
        assert.equal(await page.locator(`#deal-${o.id}`).count(), 0, 'a lost deal leaves the board');
        const lost = await api.get(`/api/v1/opportunities/${o.id}`);
        assert.equal(lost.status, 'lost');
      });
    });

    it("shows an opportunity's page and moves it on from there", async () => {
      const api = await h.apiLogin(server.base, server.accounts.admin);
      const c = await h.createContact(api, { first_name: 'Odile', last_name: `Garnier${tag}` });
      const o = await api.post('/api/v1/opportunities', {
        pipeline_id: pipeline.id,
        title: `Chai neuf ${tag}`,
        value_minor: 4_500_000,
        contact_ids: [c.id],
        expected_close: '2027-03-01',
      });
      await h.withPage(browser, width, 'opportunity', async (page) => {
        await h.login(page, server.base, server.accounts.admin);
        await page.goto(`${server.base}/opportunities/${o.id}`);
        assert.equal(await text(page.locator('h1')), `Chai neuf ${tag}`);
        assert.match(await text(page.locator('#opp-value')), /45 000 €/);
        assert.match(await text(page.locator('#opportunity-details')), new RegExp(`Odile Garnier${tag}`));
        assert.match(await text(page.locator('#opportunity-details')), /lundi 1 mars 2027/);
        await h.checkScreen(page, 'opportunity');
        // The palette finds the deal (Ctrl+K, a few letters, Enter).
        await h.waitForSearch(api, 'chai neuf', (hits) => hits.some((x) => x.id === o.id));
        await page.keyboard.press('Control+k');
        await page.locator('dialog#search input#search-input').fill('chai neuf');
        await page.locator(`dialog#search a.search-hit[href$="/opportunities/${o.id}"]`).waitFor();
        await page.goto(`${server.base}/contacts/${c.id}`);
        assert.match(await text(page.locator('#deals-section')), new RegExp(`Chai neuf ${tag}`));
        await page.goto(`${server.base}/opportunities/${o.id}`);
        await page.locator('#opportunity-details button.primary').click();
        await page.waitForURL(new RegExp(`/opportunities/${o.id}$`));
        assert.match(await text(page.locator('#opp-stage')), new RegExp(pipeline.stages[1].name));
        assert.equal(await page.locator('ol.stages li').count(), 2, 'the stage history has both stages');
      });
    });

    it('shows a change made in a second browser context live, without a reload', async () => {
      const api = await h.apiLogin(server.base, server.accounts.admin);
      const o = await deal(api, `Étiqueteuse ${tag}`);
      await h.withPage(browser, width, 'board-live', async (watcher) => {
        await h.login(watcher, server.base, server.accounts.admin);
        await watcher.goto(`${server.base}/pipeline?pipeline=${pipeline.id}`);
        await h.expectPresent(watcher, `#deal-${o.id}`);
        await watcher.evaluate(() => {
          window.__notReloaded = true;
        });
        await h.waitForLive(watcher);
        await h.withPage(browser, width, 'board-live-mover', async (mover) => {
          await h.login(mover, server.base, server.accounts.admin);
          await mover.goto(`${server.base}/pipeline?pipeline=${pipeline.id}`);
          await mover.locator(`#deal-${o.id} button.move-next`).click();
          await mover.locator('#board-message').waitFor();
        });
        await watcher.waitForFunction(
          (id) => {
            const card = document.getElementById(`deal-${id}`);
            return card && Array.from(document.querySelectorAll('ol.cards')).indexOf(card.closest('ol.cards')) === 1;
          },
          o.id,
          { timeout: 15_000 },
        );
        assert.equal(await watcher.evaluate(() => window.__notReloaded), true, 'the page was not reloaded');
        await h.checkScreen(watcher, 'board-live');
      });
    });

    it("a contact changed elsewhere updates its open page; a form being typed in is left alone", async () => {
      const api = await h.apiLogin(server.base, server.accounts.admin);
      const c = await h.createContact(api, { first_name: 'Rémi', last_name: `Vidal${tag}`, job_title: 'Caviste' });
      const patch = async (fields) => {
        const current = await api.request('GET', `/api/v1/contacts/${c.id}`);
        const r = await fetch(`${server.base}/api/v1/contacts/${c.id}`, {
          method: 'PATCH',
          headers: { authorization: `Bearer ${api.token}`, 'content-type': 'application/json', 'if-match': current.headers.get('etag') },
          body: JSON.stringify(fields),
        });
        assert.equal(r.status, 200, await r.text());
      };
      await h.withPage(browser, width, 'contact-live', async (page) => {
        await h.login(page, server.base, server.accounts.admin);
        await page.goto(`${server.base}/contacts/${c.id}`);
        await page.evaluate(() => {
          window.__notReloaded = true;
        });
        await h.waitForLive(page);
        await patch({ job_title: 'Chef de cave' });
        await page.waitForFunction(() => document.querySelector('#details')?.innerText.includes('Chef de cave'), null, { timeout: 15_000 });
        assert.equal(await page.evaluate(() => window.__notReloaded), true, 'no reload');

        // Editing: what is typed stays; the page says the contact changed meanwhile.
        await page.click('button#edit');
        await page.locator('form#contact-form').waitFor();
        await page.locator('form#contact-form input[name="job_title"]').fill('Maître de chai');
        await patch({ job_title: 'Sommelier' });
        await page.locator('#details .live-note').waitFor({ timeout: 15_000 });
        assert.equal(await page.locator('form#contact-form input[name="job_title"]').inputValue(), 'Maître de chai');
        await h.checkScreen(page, 'contact-live');
      });
    });

    it('lists the tasks, overdue first, and marks one done with one click', async () => {
      const api = await h.apiLogin(server.base, server.accounts.sales);
      const me = await api.get('/api/v1/auth/me');
      const c = await h.createContact(api, { first_name: 'Yves', last_name: `Perret${tag}` });
      const yesterday = new Date(Date.now() - 86_400_000).toISOString();
      const task = await api.post('/api/v1/activities', {
        kind: 'task',
        subject: `Rappeler Yves ${tag}`,
        links: [{ entity_type: 'contact', entity_id: c.id }],
        due_at: yesterday,
        assignee_id: me.user_id,
      });
      await h.withPage(browser, width, 'todo', async (page) => {
        await h.login(page, server.base, server.accounts.sales);
        await page.goto(`${server.base}/dashboard`);
        const overdue = page.locator('section.todo-section.overdue');
        assert.match(await text(overdue), new RegExp(`Rappeler Yves ${tag}`));
        await h.checkScreen(page, 'dashboard');
        await page.goto(`${server.base}/todo`);
        const line = page.locator(`#task-${task.id}`);
        assert.match(await text(page.locator('section.todo-section.overdue')), /En retard/);
        assert.match(await text(line), new RegExp(`Yves Perret${tag}`));
        await h.checkScreen(page, 'todo');
        await line.locator('button.done-button').click();
        await line.waitFor({ state: 'detached' });
        const done = await api.get(`/api/v1/activities/${task.id}`);
        assert.ok(done.done_at, `the task is done: ${JSON.stringify(done)}`);
      });
    });
  });
}
