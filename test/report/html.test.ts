import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { pathToFileURL } from 'node:url';
import type { Page } from 'playwright-core';
import { formatFleetHtml } from '../../src/report/html/index.js';
import { type Browser, launchChromium } from '../support/chromium.js';
import { REPO_ROOT, runCli } from '../support/cli.js';
import { sampleReport } from './sample-report.js';
import { waivedSampleReport } from './waived-sample.js';

// The page's globals, for the functions evaluated in the browser (this program is compiled without the DOM lib).
declare const document: { documentElement: { scrollWidth: number } };
declare const innerWidth: number;
declare function getComputedStyle(element: unknown): { backgroundColor: string; display: string; fontSize: string };
type HTMLElement = { offsetParent: unknown; hidden: boolean; innerText: string };

// The report of the published guide's host, with one waiver, opened from disk in Debian's chromium.
const HOST = join(REPO_ROOT, 'examples/hosts/published-guide.tar');
// One screenshot per width for review (gitignored).
const SCREENSHOTS = join(REPO_ROOT, 'test/output/html');
const WIDTHS = [360, 768, 1280, 1920];

describe('audit --format html in chromium', { timeout: 600_000 }, () => {
  let dir: string;
  let browser: Browser;
  let reportUrl: string;
  let page: Page;
  const consoleErrors: string[] = [];

  before(async () => {
    dir = mkdtempSync(join(tmpdir(), `so-html-${process.pid}-`));
    const waivers = join(dir, 'waivers.yml');
    writeFileSync(
      waivers,
      'ssh/non-standard-port:\n  justification: port 22 kept behind the bastion\n  expires: 2099-01-31\n',
    );
    const output = join(dir, 'report.html');
    const run = runCli(['audit', '--root', HOST, '--format', 'html', '--waivers', waivers, '--output', output]);
    assert.equal(run.code, 1, run.stderr);
    assert.ok(statSync(output).size < 150 * 1024, `the published guide's report is ${statSync(output).size} bytes`);
    reportUrl = pathToFileURL(output).href;
    browser = await launchChromium();
    page = await browser.context.newPage();
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warning') consoleErrors.push(message.text());
    });
    page.on('pageerror', (error) => consoleErrors.push(String(error)));
    await page.goto(reportUrl);
  });
  after(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const visibleIds = (p: Page = page) =>
    p.$$eval('.result', (nodes) =>
      nodes.filter((n) => (n as unknown as HTMLElement).offsetParent !== null).map((n) => n.getAttribute('data-id')!),
    );

  test('under its strict CSP the script and the stylesheet run, and nothing is fetched', async () => {
    const policy = await page.$eval('meta[http-equiv="Content-Security-Policy"]', (m) => m.getAttribute('content'));
    assert.match(policy!, /default-src 'none'; style-src 'sha256-[^']+'; script-src 'sha256-[^']+'/);
    // The script un-hides the filters and counts; the stylesheet colours the badges.
    assert.equal(await page.$eval('.filters', (f) => (f as unknown as HTMLElement).hidden), false);
    assert.match((await page.textContent('.shown'))!, /^42 of 42 controls shown$/);
    const failColour = await page.$eval('.badge.s-fail', (b) => getComputedStyle(b).backgroundColor);
    assert.equal(failColour, 'rgb(207, 34, 46)');
    assert.deepEqual(consoleErrors, [], 'no CSP violation or script error');
    assert.deepEqual(browser.blockedRequests, []);
  });

  test('summary: verdict, score, counts by status and severity', async () => {
    const cards = await page.$$eval('.cards .card', (nodes) =>
      nodes.map((n) => n.textContent!.replace(/\s+/g, ' ').trim()),
    );
    assert.deepEqual(cards.slice(0, 2), ['Verdict Fails (--fail-on high)', `Score ${cards[1]!.match(/\d+/)![0]}/100`]);
    assert.ok(cards.includes('Waived 1'));
    assert.match((await page.textContent('.counts'))!, /fail\s+16/);
    assert.equal(await page.$$eval('.by-severity th', (n) => n.length), 6);
  });

  test('results grouped by threat, with evidence file:line, fix, references and the waiver', async () => {
    const groups = await page.$$eval('.group h2', (nodes) => nodes.map((n) => n.textContent));
    assert.ok(groups.length >= 3);
    assert.match(groups[0]!, /^Host compromise/);
    const perms = page.locator('.result[data-id="keys/signer-config-permissions"]');
    assert.match((await perms.locator('.evidence').textContent())!, /\/etc\/stacks\/signer\/signer-config\.toml/);
    assert.match((await perms.locator('.fix').textContent())!, /^Fix: /);
    assert.ok((await perms.locator('.refs a').count()) >= 1);
    const ssh = page.locator('.result[data-id="ssh/password-authentication"] .evidence');
    assert.match((await ssh.textContent())!, /\/etc\/ssh\/sshd_config(\.d\/[^:]+)?:\d+ /);
    const waived = page.locator('.result[data-id="ssh/non-standard-port"]');
    assert.equal(await waived.getAttribute('data-waived'), 'true');
    assert.match(
      (await waived.locator('.waiver').textContent())!,
      /Waived until 2099-01-31: port 22 kept behind the bastion/,
    );
  });

  test('the exposure-score contributors are drawn as bars, largest first', async () => {
    assert.match((await page.textContent('.exposure h2'))!, /stacks-signer\.service 7\.9 EXPOSED/);
    const widths = await page.$$eval('.chart rect', (rects) => rects.map((r) => Number(r.getAttribute('width'))));
    assert.equal(widths.length, 15);
    assert.equal(widths[0], 100);
    assert.deepEqual(
      [...widths].sort((a, b) => b - a),
      widths,
    );
    const box = await page.locator('.chart svg').first().boundingBox();
    assert.ok(box && box.width > 100, 'the first bar is drawn wide');
  });

  test('filters by status, severity and family hide exactly what they name', async () => {
    const all = await visibleIds();
    assert.equal(all.length, 42);
    await page.uncheck('input[name="status"][value="pass"]');
    const noPass = await visibleIds();
    const passing = await page.$$eval('.result[data-status="pass"]', (n) => n.map((x) => x.getAttribute('data-id')));
    assert.ok(passing.length > 0);
    assert.equal(noPass.length, all.length - passing.length);
    assert.ok(passing.every((id) => !noPass.includes(id!)));
    await page.uncheck('input[name="family"][value="ssh"]');
    assert.ok((await visibleIds()).every((id) => !id.startsWith('ssh/')));
    await page.uncheck('input[name="severity"][value="medium"]');
    const severities = await page.$$eval('.result', (n) =>
      n.filter((x) => (x as unknown as HTMLElement).offsetParent !== null).map((x) => x.getAttribute('data-severity')),
    );
    assert.ok(!severities.includes('medium'));
    assert.match((await page.textContent('.shown'))!, new RegExp(`^${severities.length} of 42 controls shown$`));
    // A group with nothing left to show disappears with its heading.
    for (const value of ['fail', 'warn', 'manual', 'not_applicable', 'not_evaluable'])
      await page.uncheck(`input[name="status"][value="${value}"]`);
    assert.deepEqual(await visibleIds(), []);
    assert.equal(
      await page.$$eval('.group', (g) => g.filter((x) => (x as unknown as HTMLElement).offsetParent !== null).length),
      0,
    );
    await page.check('input[name="family"][value="ssh"]');
    assert.deepEqual(await visibleIds(), ['ssh/non-standard-port'], 'only the waived ssh control is left');
    await page.uncheck('input[name="status"][value="waived"]');
    assert.deepEqual(await visibleIds(), []);
  });

  test('printing shows every result and no filters', async () => {
    await page.emulateMedia({ media: 'print' });
    try {
      assert.equal(await page.$eval('.filters', (f) => getComputedStyle(f).display), 'none');
      assert.equal((await visibleIds()).length, 42, 'filtered-out results are printed too');
    } finally {
      await page.emulateMedia({ media: 'screen' });
    }
  });

  test('readable from 360 to 1920 px: no horizontal scrolling; one screenshot per width', async () => {
    mkdirSync(SCREENSHOTS, { recursive: true });
    const fresh = await browser.context.newPage();
    try {
      await fresh.goto(reportUrl);
      for (const width of WIDTHS) {
        await fresh.setViewportSize({ width, height: 1000 });
        const [scrollWidth, viewport] = await fresh.evaluate(() => [document.documentElement.scrollWidth, innerWidth]);
        assert.ok(scrollWidth! <= viewport!, `${width} px: the page is ${scrollWidth} px wide`);
        const fontSize = await fresh.$eval('.result p', (p) => Number.parseFloat(getComputedStyle(p).fontSize));
        assert.ok(fontSize >= 13, `${width} px: text at ${fontSize} px`);
        await fresh.screenshot({ path: join(SCREENSHOTS, `published-guide-${width}.png`) });
      }
    } finally {
      await fresh.close();
    }
  });

  test('a fleet page: host × control matrix and one independently filtered report per host', async () => {
    const file = join(dir, 'fleet.html');
    const second = sampleReport();
    second.target.host = 'signer-2';
    writeFileSync(
      file,
      formatFleetHtml(
        [
          { name: 'signer-1', report: waivedSampleReport() },
          { name: 'signer-2', report: second },
        ],
        {
          notAudited: [{ name: 'signer-3', reason: 'unreachable: connection refused' }],
          fleetResults: [
            {
              id: 'fleet/duplicate-signer-key',
              title: 'no signer key on two hosts',
              status: 'pass',
              message: 'each audited signer has its own key',
            },
          ],
        },
      ),
    );
    const fleet = await browser.context.newPage();
    try {
      await fleet.goto(pathToFileURL(file).href);
      const headers = await fleet.$$eval('.matrix thead th', (n) => n.map((x) => x.textContent));
      assert.deepEqual(headers, ['control', 'signer-1', 'signer-2']);
      assert.equal(await fleet.$$eval('.matrix tbody tr', (n) => n.length), 9, 'score row and 8 controls');
      const gitRow = await fleet.$$eval('.matrix tbody tr', (rows) =>
        rows.filter((r) => r.textContent!.startsWith('keys/key-in-git')).map((r) => r.textContent),
      );
      assert.deepEqual(gitRow, ['keys/key-in-gitwaivedfail']);
      assert.equal(await fleet.$$eval('.host-report', (n) => n.length), 2);
      assert.deepEqual(await fleet.$$eval('.not-audited h2, .not-audited li', (n) => n.map((x) => x.textContent)), [
        'Not audited (1)',
        'signer-3: unreachable: connection refused',
      ]);
      assert.match(await fleet.$eval('.fleet-controls', (n) => n.textContent ?? ''), /fleet\/duplicate-signer-key/);
      await fleet.uncheck('.host-report[data-host="signer-1"] input[name="status"][value="fail"]');
      const visible = await fleet.$$eval('.host-report', (sections) =>
        sections.map(
          (s) =>
            [...s.querySelectorAll('.result')].filter((r) => (r as unknown as HTMLElement).offsetParent !== null)
              .length,
        ),
      );
      assert.deepEqual(visible, [7, 8]);
    } finally {
      await fleet.close();
    }
  });
});
