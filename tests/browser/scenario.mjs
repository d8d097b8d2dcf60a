// Replaying the scenarios of docs/scenarios/ in the browser, step by step as written.
//
// A scenario is a numbered list in French; what the reader clicks, types into or reads on
// the screen is written between « guillemets ». A test replays it with a `Replay`: each
// `step(n, …)` does what step n says through `nav`, `click`, `fill`, `select` and `see`,
// each naming a label of the step. The step fails when the test uses a label its text
// does not name, or when a label of the text was neither used nor is on the screen at the
// end of the step (in the page's content, as whole words), or when an element clicked does
// not show the label the step names for it: the text and the screens cannot part ways
// unnoticed. Each step also
// names its screenshot (`img/<scenario>-<n>.png`): the replay takes it, into
// target/browser-screenshots/, and into docs/scenarios/img/ itself when
// CRM_UPDATE_DOC_SCREENSHOTS=1 (so that the pictures of the docs are the suite's).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as h from './harness.mjs';

export const SCENARIOS = join(h.REPO, 'docs', 'scenarios');
/** The password of every demo account. */
export const DEMO_PASSWORD = 'demo-crm-2026';

/** A label as the screen shows it: one space between words, no non-breaking ones. */
function plain(text) {
  return text.replace(/[\u00a0\u202f]/g, ' ').replace(/\s+/g, ' ').trim();
}

/**
 * `label` as a pattern of whole words: « Actif » is not found in « Inactif », nor « Piste »
 * in « Pistes »; spaces match any run of white space.
 */
export function asWords(label) {
  const escaped = label.replace(/[.*+?^${}()|[\]\\]/g, '\\$&').replace(/ /g, '\\s+');
  // Without the `u` flag (playwright's chained selectors do not carry it): French letters spelled out.
  const letter = '0-9A-Za-zÀ-ÖØ-öø-ÿŒœ';
  return new RegExp(`(?<![${letter}])${escaped}(?![${letter}])`);
}

/** Where a step's labels are looked for: the page's own content and an open dialog, not the menus around it. */
const SHOWN = '#content, dialog[open]';

/** The section of a scenario that the browser replays. */
const IN_THE_INTERFACE = "## Dans l'interface";

/**
 * The steps of a scenario's section « Dans l'interface »: { title, steps: Map<n, { text,
 * labels: string[] }> }. A step is a line "N. …" and the lines indented under it.
 */
export function loadScenario(file) {
  const text = readFileSync(join(SCENARIOS, file), 'utf8');
  const title = text.match(/^# (.+)$/m)?.[1] ?? file;
  const from = text.indexOf(IN_THE_INTERFACE);
  assert.ok(from >= 0, `${file} has no section ${IN_THE_INTERFACE}`);
  const section = text.slice(from + IN_THE_INTERFACE.length).split(/^## /m)[0];
  const steps = new Map();
  let current = null;
  for (const line of section.split('\n')) {
    const start = line.match(/^(\d+)\. (.*)$/);
    if (start) {
      current = { n: Number(start[1]), lines: [start[2]] };
      steps.set(current.n, current);
    } else if (current && /^\s+\S/.test(line)) {
      current.lines.push(line.trim());
    } else if (line.trim() !== '') {
      current = null;
    }
  }
  for (const s of steps.values()) {
    s.text = s.lines.join(' ');
    s.labels = [...s.text.matchAll(/«\s*([^»]+?)\s*»/g)].map((m) => plain(m[1]));
    delete s.lines;
  }
  return { file, title, steps };
}

/**
 * `crm serve --demo` on a fresh data directory: the demo data set of `CRM_DEMO_SIZE`
 * (`full` unless told, the ten companies the texts describe: about 70 s for a debug build;
 * `small`, two companies, in seconds, for trying a change). Returns { base, log(), stop() }.
 */
export async function startDemo() {
  const dir = mkdtempSync(join(tmpdir(), 'crm-demo-'));
  const size = process.env.CRM_DEMO_SIZE || 'full';
  return h.serve(
    h.crmBin(),
    dir,
    ['serve', '--data-dir', join(dir, 'data'), '--listen', '127.0.0.1:0', '--demo', '--demo-size', size],
    { CRM_PUBLIC_URL: h.PUBLIC_URL },
    { readyMs: 300_000 },
  );
}

/** A demo account of the first company (Fournitures Industrielles Martin). */
export function demoAccount(local) {
  return { email: `${local}@fim-martin.fr`, password: DEMO_PASSWORD };
}

/** The feature tour, docs/presentation.md, and where its pictures go. */
export const PRESENTATION = join(h.REPO, 'docs', 'presentation.md');
const PRESENTATION_IMG = join(h.REPO, 'docs', 'presentation');

/** The pictures docs/presentation.md shows (`presentation/<name>-<width>.png`), as names with their width. */
export function tourPictures() {
  const text = readFileSync(PRESENTATION, 'utf8');
  return [...text.matchAll(/\]\(presentation\/([a-z0-9-]+-\d+)\.png\)/g)].map((m) => m[1]);
}

/**
 * Takes the tour's picture `name` of the page as it is now (the screen, as the reader
 * sees it) after the checks every screen gets, into target/browser-screenshots/ and, with
 * CRM_UPDATE_DOC_SCREENSHOTS=1, into docs/presentation/; its name with the width.
 */
export async function tourShot(page, name) {
  await h.checkA11y(page, `tour-${name}`);
  h.assertNoViolations(page);
  const shot = `${name}-${page.viewportSize()?.width ?? 0}`;
  mkdirSync(h.SCREENSHOT_DIR, { recursive: true });
  await page.screenshot({ path: join(h.SCREENSHOT_DIR, `tour-${shot}.png`) });
  if (process.env.CRM_UPDATE_DOC_SCREENSHOTS === '1') {
    mkdirSync(PRESENTATION_IMG, { recursive: true });
    await page.screenshot({ path: join(PRESENTATION_IMG, `${shot}.png`) });
  }
  return shot;
}

/** One replay of a scenario on a page. */
export class Replay {
  /** `name`: the scenario's short name, in its screenshots' names (`commercial`). */
  constructor(page, scenario, name) {
    this.page = page;
    this.scenario = scenario;
    this.name = name;
    this.done = new Set();
  }

  /** The step `n` of the text (fails when there is none). */
  text(n) {
    const s = this.scenario.steps.get(n);
    assert.ok(s, `${this.scenario.file} has no step ${n}`);
    return s;
  }

  /** Records that the test used `label` in the current step, which must name it. */
  use(label) {
    const s = this.text(this.current);
    assert.ok(
      s.labels.includes(label),
      `${this.scenario.file}, step ${this.current}: the screen is used through « ${label} », which the text does not name (it names ${s.labels.map((l) => `« ${l} »`).join(', ') || 'nothing'})`,
    );
    this.used.add(label);
  }

  /** Runs step `n`: `fn(this)`, then the checks of the step, then its screenshot. */
  async step(n, fn) {
    this.current = n;
    this.used = new Set();
    const s = this.text(n);
    await fn(this);
    for (const label of s.labels.filter((l) => !this.used.has(l))) {
      // On a phone a table's headers move into each cell's data-label (shown by CSS).
      const root = this.page.locator(SHOWN);
      const shown = root
        .getByText(asWords(label))
        .or(root.locator(`[data-label="${label.replace(/"/g, '\\"')}"]`))
        .filter({ visible: true });
      assert.ok(
        (await shown.count()) > 0,
        `${this.scenario.file}, step ${n} says « ${label} », which the screen does not show (${this.page.url()})`,
      );
    }
    const picture = `img/${this.name}-${n}.png`;
    assert.ok(s.text.includes(picture), `${this.scenario.file}, step ${n}: no screenshot ${picture} in its text`);
    // What the reader sees (the screen, not the whole page: the audit log of a demo
    // company is very long), then the checks every screen gets.
    const width = this.page.viewportSize()?.width ?? 0;
    mkdirSync(h.SCREENSHOT_DIR, { recursive: true });
    await this.page.screenshot({ path: join(h.SCREENSHOT_DIR, `scenario-${this.name}-${n}-${width}.png`) });
    await h.checkA11y(this.page, `scenario-${this.name}-${n}`);
    h.assertNoViolations(this.page);
    if (process.env.CRM_UPDATE_DOC_SCREENSHOTS === '1' && width >= 1024) {
      mkdirSync(join(SCENARIOS, 'img'), { recursive: true });
      await this.page.screenshot({ path: join(SCENARIOS, picture) });
    }
    this.done.add(n);
  }

  /** Fails unless every step of the text was replayed. */
  finished() {
    const left = [...this.scenario.steps.keys()].filter((n) => !this.done.has(n));
    assert.deepEqual(left, [], `${this.scenario.file}: steps not replayed`);
  }

  /** Opens the page `label` of the main navigation. */
  async nav(label) {
    this.use(label);
    await h.revealNav(this.page);
    await this.page.locator('nav#main-nav').getByRole('link', { name: label, exact: true }).click();
    await this.page.waitForLoadState('domcontentloaded');
  }

  /** Clicks the button or link `label` (the first visible one), or within `scope`. */
  async click(label, { scope } = {}) {
    this.use(label);
    const root = scope ? this.page.locator(scope) : this.page;
    const target = root
      .getByRole('button', { name: label, exact: true })
      .or(root.getByRole('link', { name: label, exact: true }))
      .filter({ visible: true })
      .first();
    await target.click();
    await this.page.waitForLoadState('domcontentloaded');
  }

  /** Types `value` into the field labelled `label` (a value the text names is checked on the screen at the end of the step). */
  async fill(label, value) {
    this.use(label);
    await this.field(label).fill(value);
  }

  /** The field labelled `label` (a label that wraps a list also holds its options' text). */
  field(label) {
    return this.page.getByLabel(label, { exact: true }).or(this.page.getByLabel(label)).filter({ visible: true }).first();
  }

  /** Chooses `option` (which the text names) in the list labelled `label`. */
  async select(label, option) {
    this.use(label);
    this.use(option);
    await this.field(label).selectOption({ label: option });
  }

  /**
   * Clicks `target`, which the helpers above cannot reach by name (a button whose
   * accessible name adds the record's), after checking that it shows `label` in its text
   * or its aria-label.
   */
  async act(label, target) {
    this.use(label);
    await target.waitFor();
    const shown = plain(`${await target.innerText()} ${(await target.getAttribute('aria-label')) ?? ''}`);
    assert.match(
      shown,
      asWords(label),
      `${this.scenario.file}, step ${this.current}: what is clicked does not show « ${label} » (it shows « ${shown} »)`,
    );
    await target.click();
    await this.page.waitForLoadState('domcontentloaded');
  }

  /** Waits until `label` is on the screen (in the page's content or an open dialog, as whole words). */
  async see(label) {
    this.use(label);
    await this.page.locator(SHOWN).getByText(asWords(label)).filter({ visible: true }).first().waitFor();
  }
}
