import AxeBuilder from '@axe-core/playwright';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';
import { baseUrl } from '../integration/harness';

/**
 * What every browser test file shares: Debian's Chromium driven by playwright-core (no browser download),
 * pages that record console errors, uncaught exceptions and 5xx answers as problems, axe-core checks and
 * screenshots. `npm run console:screenshots` writes the screenshots to docs/console/ (the README's); any
 * other run writes them to a temporary folder, so that a test run leaves the working tree as it found it.
 */

const CHROMIUM = process.env.BILLSTREAM_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--no-sandbox',
  '--headless',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
];
const SHOTS = process.env.CONSOLE_SCREENSHOTS
  ? path.resolve(process.env.CONSOLE_SCREENSHOTS)
  : fs.mkdtempSync(path.join(os.tmpdir(), 'billstream-console-shots-'));

export interface Browser {
  /** A page whose console errors, page errors and 5xx answers land in `problems`. */
  readonly newPage: () => Promise<Page>;
  readonly problems: string[];
  readonly close: () => Promise<void>;
}

export async function openBrowser(): Promise<Browser> {
  if (!fs.existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (README, prerequisites)`);
  fs.mkdirSync(SHOTS, { recursive: true });
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'billstream-chromium-'));
  const context: BrowserContext = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    args: ARGS,
    headless: true,
    viewport: { width: 1280, height: 860 },
  });
  const problems: string[] = [];
  const newPage = async (): Promise<Page> => {
    const page = await context.newPage();
    page.on('console', (msg) => {
      if (msg.type() !== 'error') return;
      // Chromium itself logs every 4xx answer to fetch; the console asks for some on purpose (sign-in learns
      // the role from a refused write; a bad price rule is refused with 400). 5xx answers are caught below.
      if (/^Failed to load resource: the server responded with a status of 4\d\d/.test(msg.text())) return;
      problems.push(`console error: ${msg.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${error.message}`));
    page.on('response', (response) => {
      if (response.status() >= 500) problems.push(`${response.status()} from ${response.url()}`);
    });
    return page;
  };
  return {
    newPage,
    problems,
    close: async () => {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/**
 * No serious or critical axe-core violation on the page as it stands, and no two landmarks of one kind with
 * the same name (axe rates `landmark-unique` moderate; two lists' pagers both called "Pages" were one).
 */
export async function expectAccessible(page: Page, screen: string): Promise<void> {
  const result = await new AxeBuilder({ page }).analyze();
  const serious = result.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical' || v.id === 'landmark-unique');
  expect({ screen, violations: serious.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target.join(' ')).join(', ')})`) }).toEqual({
    screen,
    violations: [],
  });
}

export const shot = (page: Page, name: string) => page.screenshot({ path: path.join(SHOTS, `${name}.png`), fullPage: true });

/** Signs in on the console's sign-in form and waits for the navigation. */
export async function signIn(page: Page, accountId: string, key: string): Promise<void> {
  await page.goto(`${baseUrl()}/console/`);
  await page.getByLabel('Account id').fill(accountId);
  await page.getByLabel('API key').fill(key);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('navigation', { name: 'Screens' }).waitFor();
}

/** The forms a viewer may fill: they read (filter a list, price a purchase, explain a customer), never write. */
const READ_FORMS = [
  'Purchase filters',
  'Invoice filters',
  'Quote filters',
  'Subscription filters',
  'Price preview',
  'Price this purchase',
  'Troubleshoot a customer',
];
/** How the console's write actions begin ("Save price rule", "Put C1 on hold", "Approve invoice" …). */
const WRITE_ACTION =
  '^(New|Create|Save|Edit|Approve|Decline|Submit|Void|Credit|Start|Delete|Remove|Add|Issue|Revoke|Hold|Put|Release|Publish|Apply|Run|Upload|Accept|Pause|Resume|Cancel|Change|Move|Import|Record)\\b';

/**
 * What a viewer key sees, as it stands: no enabled input, select, textarea or button in any form but the
 * read-only ones, and no button anywhere (enabled or not) whose name is a write action.
 */
export async function expectReadOnly(page: Page, screen: string): Promise<void> {
  // A script, not a function: the tests compile without the DOM's types.
  const problems = (await page.evaluate(`(${READ_ONLY_CHECK})(${JSON.stringify(READ_FORMS)}, ${JSON.stringify(WRITE_ACTION)})`)) as string[];
  expect({ screen, problems }).toEqual({ screen, problems: [] });
}

const READ_ONLY_CHECK = `(readForms, writeAction) => {
  const write = new RegExp(writeAction, 'i');
  const name = (e) => (e.getAttribute('aria-label') ?? e.getAttribute('name') ?? e.textContent ?? '').trim();
  const out = [];
  for (const form of document.forms) {
    const label = form.getAttribute('aria-label') ?? '(unnamed form)';
    if (readForms.includes(label)) continue;
    for (const c of form.querySelectorAll('input:enabled, select:enabled, textarea:enabled, button:enabled'))
      out.push(label + ': enabled ' + c.tagName.toLowerCase() + ' ' + name(c));
  }
  for (const b of document.querySelectorAll('button')) if (write.test(name(b))) out.push('write button: ' + name(b));
  return out;
}`;
