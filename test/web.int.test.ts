// The web UI in a real browser: Debian's chromium driven by playwright-core against the service
// built in process (PGlite in memory). Screenshots go to test-artifacts/ for a person to look at.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';
import { packageRoot } from '../src/package-root.js';
import { loadContext, type DecisionContext } from '../src/service/load-context.js';
import type { AuditStore } from '../src/store/audit-store.js';
import { openStore } from '../src/store/open-store.js';
import { corpusPayers } from './support/corpus.js';
import { testServer } from './support/http-server.js';

const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const ARTIFACTS = join(packageRoot(), 'test-artifacts');
const DOS = '2025-09-15';
const CRPS = {
  payer: 'bcbsma',
  dateOfService: DOS,
  drug: 'ketamine',
  route: 'intravenous',
  diagnosisCodes: ['G90.521'],
};

let app: FastifyInstance;
let ctx: DecisionContext;
let store: AuditStore;
let base: string;
let browser: Browser;
let context: BrowserContext;
let profile: string;
/** Every URL the pages asked for, to prove none left the service's origin. */
const requested: string[] = [];
/** The service origins the tests started (all on 127.0.0.1). */
const origins: string[] = [];

async function post(path: string, body: unknown): Promise<unknown> {
  const res = await fetch(base + path, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
  return res.json();
}

async function newPage(width = 1280, height = 900): Promise<Page> {
  const page = await context.newPage();
  await page.setViewportSize({ width, height });
  page.on('request', (r) => requested.push(r.url()));
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(String(e)));
  page.on('console', (m) => {
    if (m.type() === 'error') errors.push(m.text());
  });
  (page as Page & { errors: string[] }).errors = errors;
  return page;
}

const shot = (page: Page, name: string, fullPage = true) =>
  page.screenshot({ path: join(ARTIFACTS, `${name}.png`), fullPage });

/** At phone width only wide tables may scroll, inside their own box: never the page itself. */
async function assertFitsWidth(page: Page): Promise<void> {
  const overflow = await page.evaluate(
    () => document.documentElement.scrollWidth - document.documentElement.clientWidth,
  );
  assert.ok(overflow <= 0, `${page.url()}: the page is ${overflow}px wider than the viewport`);
}

/** Every form control has a name a screen reader announces. */
async function assertLabelled(page: Page): Promise<void> {
  const unnamed = await page.evaluate(() =>
    [...document.querySelectorAll('input, select, textarea, button')]
      .filter((e) => {
        const el = e as HTMLInputElement;
        const named =
          (el.labels?.length ?? 0) > 0 ||
          el.getAttribute('aria-label') ||
          el.getAttribute('aria-labelledby') ||
          (el.tagName === 'BUTTON' && el.textContent?.trim());
        return !named;
      })
      .map((e) => e.outerHTML.slice(0, 80)),
  );
  assert.deepEqual(unnamed, [], 'controls without a label');
}

const pageErrors = (page: Page) => (page as Page & { errors: string[] }).errors;

describe('web UI in chromium', () => {
  before(async () => {
    assert.ok(
      existsSync(CHROMIUM),
      `the browser tests need Debian's chromium at ${CHROMIUM} (apt-get install chromium; .ci/run installs it)`,
    );
    assert.ok(
      existsSync(join(packageRoot(), 'dist', 'web', 'index.html')),
      'the UI is not built: npm run build',
    );
    mkdirSync(ARTIFACTS, { recursive: true });
    store = await openStore({ dataDir: 'memory://' });
    ctx = loadContext({});
    app = await testServer(ctx, store, { publicUrl: () => base });
    base = await app.listen({ host: '127.0.0.1', port: 0 });
    origins.push(base);
    // Seed the audit store: more than one page of records, from more than one payer.
    await post('/v1/determinations', CRPS);
    await post('/v1/determinations', { ...CRPS, payer: 'bcbsri' });
    for (const code of ['F33.2', 'F42.2', 'M79.7', 'F43.10']) {
      await post('/v1/compare', { ...CRPS, payer: undefined, diagnosisCodes: [code] });
    }
    profile = mkdtempSync(join(tmpdir(), 'medpolicy-chromium-'));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      acceptDownloads: true,
      args: [
        '--headless',
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
    browser = context.browser()!;
  });

  after(async () => {
    await context?.close();
    await browser?.close();
    await app?.close();
    await store?.close();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  test('compare: the CRPS row shows BCBSMA not covered as investigational, its quote on click, CSV export', async () => {
    const page = await newPage();
    const posts: string[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST') posts.push(r.url());
    });
    await page.goto(`${base}/#/compare`);
    // Opening the page decides (and records) nothing: it waits for the Compare button.
    await page.getByText('Nothing compared yet.').waitFor();
    assert.equal(await page.getByRole('button', { name: 'Export CSV' }).isDisabled(), true);
    assert.deepEqual(posts, []);
    await shot(page, 'compare-empty', false);
    await page.getByLabel('Date of service').fill(DOS);
    await page.getByRole('button', { name: 'Compare', exact: true }).click();
    await page.getByText(`date of service ${DOS}.`).waitFor();
    const cell = page.getByRole('button', { name: /^Complex regional pain syndrome, bcbsma:/ });
    assert.match(await cell.innerText(), /Not covered · investigational/);
    assert.match(await cell.innerText(), /PA n\/a/);
    // Every payer has a column and every value-set family a row.
    for (const p of corpusPayers()) {
      await page.getByRole('columnheader', { name: p, exact: true }).waitFor();
    }
    for (const row of ['Fibromyalgia', 'Treatment-resistant depression', 'Bipolar depression']) {
      await page.getByRole('rowheader', { name: new RegExp(row) }).waitFor();
    }
    await cell.click();
    const detail = page.getByRole('dialog', { name: /Complex regional pain syndrome × bcbsma/ });
    await detail.waitFor();
    assert.match(await detail.innerText(), /“Intravenous infusion of anesthetics/);
    assert.match(await detail.innerText(), /INVESTIGATIONAL/);
    await shot(page, 'compare-desktop', false);
    await page.getByRole('button', { name: 'Close' }).click();
    await detail.waitFor({ state: 'hidden' });
    await shot(page, 'compare-matrix');

    await assertLabelled(page);

    const saved = async (button: string, file: string): Promise<Buffer> => {
      const download = page.waitForEvent('download');
      await page.getByRole('button', { name: button }).click();
      const d = await download;
      assert.equal(d.suggestedFilename(), file);
      await d.saveAs(join(ARTIFACTS, file));
      return readFileSync(join(ARTIFACTS, file));
    };
    const csv = (await saved('Export CSV', 'compare.csv')).toString('utf8');
    assert.match(csv, /^group,indication,label,payer,outcome,basis,outOfScopeReason,priorAuth/);
    assert.match(
      csv,
      /\npain,crps,Complex regional pain syndrome,bcbsma,not-covered,investigational,/,
    );
    const svgText = (await saved('Export SVG', 'compare.svg')).toString('utf8');
    assert.match(svgText, /^<svg [^>]*xmlns="http:\/\/www.w3.org\/2000\/svg"/);
    assert.match(svgText, /✕ Not covered<\/text>\n<text [^>]*>investigational<\/text>/);
    const png = await saved('Export PNG', 'compare.png');
    assert.deepEqual([...png.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  test('compare: an out-of-scope cell names its kind in words, and the legend says what each means', async () => {
    const page = await newPage();
    await page.goto(`${base}/#/compare`);
    await page.getByLabel('Date of service').fill(DOS);
    await page.getByRole('button', { name: 'Compare', exact: true }).click();
    await page.getByText(`date of service ${DOS}.`).waitFor();
    // BCBSMA sends depression to policy 087: a referral, not "not restricted".
    const referred = page.getByRole('button', { name: /^Treatment-resistant depression, bcbsma:/ });
    assert.match(await referred.innerText(), /Out of scope · refers elsewhere/);
    assert.match((await referred.getAttribute('aria-label')) ?? '', /\(refers elsewhere\)/);
    const excluded = page.getByRole('button', {
      name: /^Neoplasm-related pain \(acute or chronic\), bcbsal:/,
    });
    assert.match(await excluded.innerText(), /Out of scope · excluded use/);
    const notAddressed = page.getByRole('button', {
      name: /^Obsessive-compulsive disorder, bcbsri:/,
    });
    assert.match(await notAddressed.innerText(), /Out of scope · not addressed/);
    // The legend explains every kind in a sentence.
    const legend = page.getByLabel('Out of scope, by kind');
    const words = await legend.innerText();
    for (const [kind, meaning] of [
      ['refers elsewhere', /sends this case to another policy/],
      ['excluded use', /says this use is outside it/],
      ['not addressed', /never mentions this drug, route or indication/],
      ['product not governed', /not one this policy governs/],
      ['no version in force', /No version of the policy was in force/],
    ] as const) {
      assert.ok(words.includes(kind), `legend lacks ${kind}`);
      assert.match(words, meaning);
    }
    // The cell's reasons say it too.
    await referred.click();
    const detail = page.getByRole('dialog', { name: /Treatment-resistant depression × bcbsma/ });
    await detail.waitFor();
    assert.match(await detail.innerText(), /Out of scope: refers elsewhere\./);
    await shot(page, 'compare-out-of-scope-dialog', false);
    await page.getByRole('button', { name: 'Close' }).click();
    await detail.waitFor({ state: 'hidden' });
    await legend.scrollIntoViewIfNeeded();
    await shot(page, 'compare-out-of-scope-legend', false);
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  test('compare by keyboard: Tab reaches a cell, arrows move, Enter opens its reasons, Escape comes back', async () => {
    const page = await newPage();
    await page.goto(`${base}/#/compare`);
    await page.getByRole('button', { name: 'Compare', exact: true }).click();
    await page.getByRole('button', { name: /^Chronic pain, bcbsal:/ }).waitFor();
    let name = '';
    for (let i = 0; i < 40 && !name.includes(', bcbsal:'); i++) {
      await page.keyboard.press('Tab');
      name = await page.evaluate(() => document.activeElement?.getAttribute('aria-label') ?? '');
    }
    assert.match(name, /^Chronic pain, bcbsal: /);
    // Arrows move across the grid: right to the next payer, down to the next indication.
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowDown');
    const moved = await page.evaluate(
      () => document.activeElement?.getAttribute('aria-label') ?? '',
    );
    assert.match(moved, /^Chronic neuropathic pain, bcbsm: /);
    await page.keyboard.press('ArrowUp');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Enter');
    await page.getByRole('dialog', { name: /Chronic pain × bcbsal/ }).waitFor();
    const inDialog = await page.evaluate(() => !!document.activeElement?.closest('dialog'));
    assert.ok(inDialog, 'focus moves into the reasons');
    await page.keyboard.press('Escape');
    await page.getByRole('dialog').waitFor({ state: 'hidden' });
    const back = await page.evaluate(
      () => document.activeElement?.getAttribute('aria-label') ?? '',
    );
    assert.match(back, /^Chronic pain, bcbsal: /, 'Escape returns focus to the cell');
    await page.close();
  });

  test('compare at phone width scrolls the matrix, not the page', async () => {
    const page = await newPage(390, 844);
    await page.goto(`${base}/#/compare`);
    await page.getByRole('button', { name: 'Compare', exact: true }).click();
    await page.getByRole('button', { name: /^Fibromyalgia, medica:/ }).waitFor();
    await assertFitsWidth(page);
    await shot(page, 'compare-phone');
    await page.close();
  });

  test('check: codes found as you type, a determination with its quote, a link to the quoted words', async () => {
    const page = await newPage();
    await page.goto(`${base}/#/check`);
    await page.getByLabel('Payer').selectOption('bcbsma');
    await page.getByLabel('Date of service').fill(DOS);
    const dx = page.getByRole('combobox', { name: 'Diagnoses (ICD-10-CM)' });
    await dx.fill('G90.52');
    await page.getByRole('option', { name: /G90\.521/ }).waitFor();
    // Keyboard: arrows move within the list, Enter picks.
    let active = '';
    for (let i = 0; i < 5 && !active.startsWith('G90.521'); i++) {
      await dx.press('ArrowDown');
      active = await page.locator('[role=option][aria-selected=true]').innerText();
    }
    await dx.press('Enter');
    await page.getByRole('button', { name: 'Remove G90.521' }).waitFor();
    const px = page.getByRole('combobox', { name: 'Procedures and drugs (HCPCS / CPT)' });
    await px.fill('unclassified drugs');
    await page.getByRole('option', { name: /J3490/ }).click();
    await page.getByRole('button', { name: 'Remove J3490' }).waitFor();
    await assertLabelled(page);
    await page.getByRole('button', { name: 'Decide' }).click();
    const result = page.getByRole('article', { name: 'Determination for bcbsma' });
    await result.waitFor();
    assert.match(await result.innerText(), /Not covered · investigational/);
    assert.match(await result.innerText(), /“Intravenous infusion of anesthetics/);
    await shot(page, 'check-desktop');
    // A header code is decided, with a warning saying so.
    await page.getByRole('button', { name: 'Remove G90.521' }).click();
    await dx.fill('G90.5');
    await dx.press('Enter');
    await page.getByRole('button', { name: 'Remove G90.5' }).waitFor();
    await page.getByRole('button', { name: 'Decide' }).click();
    await page.getByText(/G90\.5 is a header \(non-billable\) code/).waitFor();
    await shot(page, 'check-warning');
    await page.setViewportSize({ width: 390, height: 844 });
    await assertFitsWidth(page);
    await shot(page, 'check-phone');
    await page.setViewportSize({ width: 1280, height: 900 });

    await result
      .getByRole('link', { name: /bcbsma-291\.txt, line 31/ })
      .first()
      .click();
    const target = page.locator('mark.target');
    await target.waitFor();
    await shot(page, 'policies-quote', false);
    assert.match(await target.first().innerText(), /Intravenous infusion of anesthetics/);
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  test('check: an out-of-scope determination says which kind, in words', async () => {
    const page = await newPage();
    await page.goto(`${base}/#/check`);
    await page.getByLabel('Payer').selectOption('bcbsma');
    await page.getByLabel('Date of service').fill(DOS);
    const dx = page.getByRole('combobox', { name: 'Diagnoses (ICD-10-CM)' });
    await dx.fill('F33.2');
    await page
      .getByRole('option', { name: /F33\.2/ })
      .first()
      .click();
    await page.getByRole('button', { name: 'Remove F33.2' }).waitFor();
    await page.getByRole('button', { name: 'Decide' }).click();
    const result = page.getByRole('article', { name: 'Determination for bcbsma' });
    await result.waitFor();
    const text = await result.innerText();
    assert.match(text, /Out of scope · refers elsewhere/);
    assert.match(
      text,
      /Out of scope: refers elsewhere\. The policy sends this case to another policy/,
    );
    await shot(page, 'check-out-of-scope');
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  /** The BCN65 ketamine request of policies/bcbsm-bcn scenario cases, entered on the Check page. */
  async function bcn65Request(page: Page): Promise<void> {
    await page.goto(`${base}/#/check`);
    await page.getByLabel('Payer').selectOption('bcn');
    await page.getByLabel('Product line').selectOption('medicare-supplement');
    await page.getByLabel('Date of service').fill(DOS);
    const dx = page.getByRole('combobox', { name: 'Diagnoses (ICD-10-CM)' });
    await dx.fill('G90.521');
    await page.getByRole('option', { name: /G90\.521/ }).click();
    await page.getByRole('button', { name: 'Remove G90.521' }).waitFor();
  }

  /** The bodies the page posted to /v1/determinations, in order. */
  function decisionPosts(page: Page): Record<string, unknown>[] {
    const bodies: Record<string, unknown>[] = [];
    page.on('request', (r) => {
      if (r.method() === 'POST' && r.url().endsWith('/v1/determinations')) {
        bodies.push(r.postDataJSON() as Record<string, unknown>);
      }
    });
    return bodies;
  }

  const BCN65_QUOTE =
    'BCN65 (Medicare Complementary) Coinsurance covered if primary Medicare covers the service.';

  test('check: a conditional answer asks its question with the quote; Yes covers, No does not, Not known asks again', async () => {
    const page = await newPage();
    const posts = decisionPosts(page);
    await bcn65Request(page);
    await page.getByRole('button', { name: 'Decide' }).click();
    const result = page.getByRole('article', { name: 'Determination for bcn' });
    await result.waitFor();
    await result.getByText('Conditional · follows primary Medicare').waitFor();
    const question = result.getByRole('group', {
      name: 'Did primary Medicare cover this service for this member?',
    });
    await question.waitFor();
    assert.equal(await question.getByRole('radio', { name: 'Not known' }).isChecked(), true);
    assert.match(
      await question.innerText(),
      new RegExp(`“${BCN65_QUOTE.replace(/[().]/g, '\\$&')}”`),
    );
    assert.equal(
      await question
        .getByRole('link', { name: 'policies/sources/bcbsm-bcn-iv-anesthetics.txt, line 676' })
        .count(),
      1,
    );
    // The missing fact is named by its question, not only its id.
    assert.match(
      await result.innerText(),
      /Missing information\s+Did primary Medicare cover this service for this member\? facts\.primary-medicare-covered/,
    );
    await assertLabelled(page);
    assert.deepEqual(posts.at(-1)?.['facts'], undefined);
    await shot(page, 'check-question');

    const reasons = result.locator('ol.reasons > li');
    await question.getByRole('radio', { name: 'Yes', exact: true }).check();
    await result.getByText('Facts given').waitFor();
    assert.match(await result.locator('.badge').innerText(), /^✓?\s*Covered/);
    assert.equal(await reasons.first().locator('blockquote p').innerText(), `“${BCN65_QUOTE}”`);
    assert.match(
      await reasons.first().innerText(),
      /Covered: primary Medicare covered the service\./,
    );
    assert.match(await result.locator('.facts-given').innerText(), /primary-medicare-covered: yes/);
    assert.match(await question.innerText(), /Given: primary Medicare covered the service\./);
    // The answered question stays, so the answer can be changed.
    assert.equal(await question.getByRole('radio', { name: 'Yes', exact: true }).isChecked(), true);
    assert.deepEqual(posts.at(-1)?.['facts'], { 'primary-medicare-covered': true });
    assert.equal(posts.at(-1)?.['lineOfBusiness'], 'medicare-supplement');
    await shot(page, 'check-question-covered');

    await question.getByRole('radio', { name: 'No', exact: true }).check();
    await result.getByText('Not covered · follows primary Medicare').waitFor();
    assert.match(
      await reasons.first().innerText(),
      /Not covered \(follows primary Medicare\): primary Medicare did not cover the service\./,
    );
    assert.match(await result.locator('.facts-given').innerText(), /primary-medicare-covered: no/);
    assert.deepEqual(posts.at(-1)?.['facts'], { 'primary-medicare-covered': false });

    await question.getByRole('radio', { name: 'Not known' }).check();
    await result.getByText('Conditional · follows primary Medicare').waitFor();
    assert.equal(await result.getByText('Facts given').count(), 0);
    assert.equal(posts.at(-1)?.['facts'], undefined);
    // Each answer was decided and recorded: the first decision and three answers.
    assert.equal(posts.length, 4);
    const recorded = (await (await fetch(`${base}/v1/determinations?payer=bcn`)).json()) as {
      items: { outcome: string }[];
    };
    assert.deepEqual(
      recorded.items.slice(0, 4).map((i) => i.outcome),
      ['conditional', 'not-covered', 'covered', 'conditional'],
    );

    await page.setViewportSize({ width: 390, height: 844 });
    await assertFitsWidth(page);
    await shot(page, 'check-question-phone');
    await page.setViewportSize({ width: 1280, height: 900 });
    // The quote leads to the policy's words.
    await question.getByRole('link', { name: /line 676/ }).click();
    const target = page.locator('mark.target');
    await target.waitFor();
    assert.match(
      await target.first().innerText(),
      /BCN65 \(Medicare Complementary\)\s+Coinsurance covered/,
    );
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  test('check by keyboard: Enter decides, Tab reaches the question, arrows answer it and focus stays', async () => {
    const page = await newPage();
    const posts = decisionPosts(page);
    await bcn65Request(page);
    await page.getByRole('button', { name: 'Decide' }).focus();
    await page.keyboard.press('Enter');
    const result = page.getByRole('article', { name: 'Determination for bcn' });
    await result.getByText('Conditional · follows primary Medicare').waitFor();
    const focused = () =>
      page.evaluate(() => {
        const el = document.activeElement as HTMLInputElement | null;
        return el?.type === 'radio' ? `${el.name}=${el.value}` : '';
      });
    let at = '';
    for (let i = 0; i < 20 && !at; i++) {
      await page.keyboard.press('Tab');
      at = await focused();
    }
    // The group is one Tab stop, entered at its checked radio.
    assert.equal(at, 'fact-primary-medicare-covered=unknown');
    await page.keyboard.press('ArrowUp');
    await result.getByText('Not covered · follows primary Medicare').waitFor();
    await page.keyboard.press('ArrowUp');
    await result
      .getByText(/^Covered/)
      .first()
      .waitFor();
    assert.equal(await focused(), 'fact-primary-medicare-covered=yes', 'focus stays on the answer');
    assert.deepEqual(posts.at(-1)?.['facts'], { 'primary-medicare-covered': true });
    // The new answer is announced: the determination is inside a polite live region.
    const live = await result.evaluate((el) =>
      el.closest('[aria-live]')?.getAttribute('aria-live'),
    );
    assert.equal(live, 'polite');
    await shot(page, 'check-question-keyboard', false);
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  test('check from a CRD answer: #/check?context= fills the form with its request, decides it and asks on', async () => {
    const bcn65: Record<string, unknown> = {
      payer: 'bcn',
      lineOfBusiness: 'medicare-supplement',
      dateOfService: DOS,
      setting: 'outpatient',
      drug: 'ketamine',
      route: 'intravenous',
      diagnosisCodes: ['G90.521'],
    };
    const assertion = (assertionId: string, request?: Record<string, unknown>) =>
      store.recordCoverageAssertion({
        assertionId,
        madeAt: '2025-09-10T13:59:00.000Z',
        serviceId: 'medpolicy-order-sign',
        hook: 'order-sign',
        payer: 'bcn',
        covered: 'conditional',
        ...(request ? { request } : {}),
      } as Parameters<AuditStore['recordCoverageAssertion']>[0]);
    await assertion('ca-web-bcn65', bcn65);
    await assertion('ca-web-bcn65-no', { ...bcn65, facts: { 'primary-medicare-covered': false } });
    await assertion('ca-web-unmapped');

    const page = await newPage();
    const posts = decisionPosts(page);
    await page.goto(`${base}/#/check?context=ca-web-bcn65`);
    await page.getByText(/Continued from CRD answer ca-web-bcn65 \(order-sign/).waitFor();
    const result = page.getByRole('article', { name: 'Determination for bcn' });
    await result.getByText('Conditional · follows primary Medicare').waitFor();
    assert.deepEqual(posts, [bcn65]);
    assert.equal(await page.getByLabel('Payer').inputValue(), 'bcn');
    assert.equal(await page.getByLabel('Product line').inputValue(), 'medicare-supplement');
    assert.equal(await page.getByLabel('Date of service').inputValue(), DOS);
    await page.getByRole('button', { name: 'Remove G90.521' }).waitFor();
    const question = result.getByRole('group', { name: /primary Medicare cover/ });
    await question.getByRole('radio', { name: 'Yes', exact: true }).check();
    await result.getByText('Facts given').waitFor();
    assert.match(await result.locator('.badge').innerText(), /Covered/);
    assert.deepEqual(posts.at(-1), { ...bcn65, facts: { 'primary-medicare-covered': true } });
    await shot(page, 'check-context');

    // Facts the stored request gave are its answers already.
    await page.goto(`${base}/#/check?context=ca-web-bcn65-no`);
    await page.getByText(/Continued from CRD answer ca-web-bcn65-no/).waitFor();
    await result.getByText('Not covered · follows primary Medicare').waitFor();
    assert.equal(await question.getByRole('radio', { name: 'No', exact: true }).isChecked(), true);
    assert.deepEqual(posts.at(-1)?.['facts'], { 'primary-medicare-covered': false });
    // ...and can be changed like any other.
    await question.getByRole('radio', { name: 'Yes', exact: true }).check();
    await result
      .getByText(/^Covered/)
      .first()
      .waitFor();
    assert.deepEqual(posts.at(-1)?.['facts'], { 'primary-medicare-covered': true });

    const before = posts.length;
    await page.goto(`${base}/#/check?context=ca-web-unmapped`);
    await page.getByText(/could not be read as a coverage request/).waitFor();
    await page.goto(`${base}/#/check?context=ca-never-made`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /no coverage assertion has id 'ca-never-made'/);
    assert.equal(posts.length, before, 'nothing decided without a stored request');
    assert.deepEqual(
      pageErrors(page).filter((e) => !/404/.test(e)),
      [],
    );
    await page.close();
  });

  test('policies: versions on a timeline, codes, the source with every cited span highlighted and linked to its rules', async () => {
    const page = await newPage();
    await page.goto(`${base}/#/policies`);
    await page.getByRole('link', { name: /bcbsma 291/ }).click();
    await page.getByRole('heading', { name: /291 · Intravenous Anesthetics/ }).waitFor();
    const versions = page.locator('.timeline li');
    assert.ok((await versions.count()) >= 2, 'several versions on the timeline');
    await page.getByText('J2003').first().waitFor();
    await assertLabelled(page);
    await shot(page, 'policies-desktop', false);
    const marks = page.locator('.source-text mark');
    assert.ok((await marks.count()) >= 5, 'cited spans are highlighted');
    assert.doesNotMatch(await page.locator('.rules').innerText(), /quote not found/);
    await page
      .locator('.source-text')
      .getByRole('button', { name: 'statement:chronic-pain' })
      .first()
      .click();
    const focused = await page.evaluate(() => document.activeElement?.id);
    assert.equal(focused, 'rule-statement_chronic-pain');
    await shot(page, 'policies-rule', false);
    // Every policy opens with its text and highlights.
    for (const id of [
      'bcbsri-iv-anesthetics-chronic-pain',
      'bcbsal-mp-446',
      'bcbsm-bcn-iv-anesthetics',
      'medica-mb2300',
    ]) {
      await page.goto(`${base}/#/policies/${id}`);
      // The hash change has rendered (this policy is the current one) before marks are looked for.
      await page.locator(`.policy-list a[aria-current="page"][href="#/policies/${id}"]`).waitFor();
      await page.locator('.source-text mark').first().waitFor();
      assert.doesNotMatch(await page.locator('.rules').innerText(), /not found|not located/, id);
    }
    await page.setViewportSize({ width: 390, height: 844 });
    await assertFitsWidth(page);
    await shot(page, 'policies-phone', false);
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  test('audit: records filtered by payer, paged, and each opens with its request and answer', async () => {
    const page = await newPage();
    await page.goto(`${base}/#/audit`);
    await page.getByText(/Page 1: 20 records, more follow/).waitFor();
    await page.getByRole('button', { name: 'Next page' }).click();
    await page.getByText(/Page 2: /).waitFor();
    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.getByText(/Page 1: /).waitFor();
    await page.getByLabel('Payer').selectOption('bcbsri');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForFunction(() => {
      const cells = [...document.querySelectorAll('table.audit tbody tr td:nth-child(2)')];
      return cells.length > 0 && cells.every((c) => c.textContent === 'bcbsri');
    });
    const payers = await page.locator('table.audit tbody tr td:nth-child(2)').allInnerTexts();
    assert.ok(payers.length >= 2);
    assert.deepEqual(new Set(payers), new Set(['bcbsri']));
    await assertLabelled(page);
    await shot(page, 'audit-desktop');
    await page.locator('table.audit tbody tr a').last().click();
    await page.getByRole('heading', { name: /^Record / }).waitFor();
    const request = await page.locator('pre.json').innerText();
    assert.match(request, /"drug": "ketamine"/);
    assert.match(request, /"dateOfService": "\d{4}-\d{2}-\d{2}"/);
    await page.getByRole('article', { name: 'Determination for bcbsri' }).waitFor();
    await shot(page, 'audit-record');
    await page.setViewportSize({ width: 390, height: 844 });
    await assertFitsWidth(page);
    await page.goto(`${base}/#/audit`);
    await page.getByText(/Page 1: /).waitFor();
    await assertFitsWidth(page);
    await shot(page, 'audit-phone');
    assert.deepEqual(pageErrors(page), []);
    await page.close();
  });

  test('with API keys required, the UI says so and works once a key is entered', async (t) => {
    const locked = await testServer(ctx, store, { requireApiKey: true, publicUrl: () => base });
    const url = await locked.listen({ host: '127.0.0.1', port: 0 });
    t.after(() => locked.close());
    const { key } = await store.createApiKey('browser-test');
    const page = await newPage();
    origins.push(url);
    await page.goto(`${url}/#/audit`);
    const alert = page.getByRole('alert');
    await alert.waitFor();
    assert.match(await alert.innerText(), /Unauthorized \(401\)/);
    assert.match(await alert.innerText(), /Enter an API key/);
    await page.getByText('API key').first().click();
    await page.getByLabel('API key, only when the service requires one').fill(key);
    await page.keyboard.press('Enter');
    await page.getByText(/Page 1: 20 records/).waitFor();
    await page.close();
  });

  test('no request leaves the service: every URL the pages asked for is on its origin', () => {
    assert.ok(requested.length > 10);
    const outside = requested.filter(
      (u) => !origins.some((o) => u.startsWith(o + '/')) && !/^(data|blob):/.test(u),
    );
    assert.ok(origins.every((o) => o.startsWith('http://127.0.0.1:')));
    assert.deepEqual(outside, []);
  });
});
