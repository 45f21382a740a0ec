// The HTML report in a real browser: headless Chromium (Debian's chromium package, driven by
// puppeteer-core, which downloads nothing). Asserts what a reader would see in the rendered
// DOM (the charts, their series, the zone names shown as text), that the page requests nothing
// (every request but the file itself fails the test) and runs no script, and takes a screenshot
// (IOFAIR_SCREENSHOT_DIR=dir keeps them for a look).

import { describe, it, expect, beforeAll, afterAll } from 'vitest';
import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser, type Page } from 'puppeteer-core';
import { renderHtml } from '../src/report/html.js';
import type { Analysis } from '../src/core/analysis.js';
import { analysisOf } from './report-helpers.js';

const CHROMIUM = '/usr/bin/chromium';
// CI installs chromium (.ci/run); elsewhere the test says it was skipped rather than fail
const haveBrowser = existsSync(CHROMIUM) || !!process.env.CI;

interface Seen {
  share: { zone: string | null; share: number; fair: number; shareD: string }[];
  latency: { zone: string | null; series: (string | null)[] }[];
  devices: (string | null)[];
  captions: string[];
  scripts: number;
  verdict: string;
  sections: string[];
}

describe.skipIf(!haveBrowser)('HTML report in headless Chromium', () => {
  let browser: Browser;
  let dir: string;
  const shots = process.env.IOFAIR_SCREENSHOT_DIR;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'iofair-html-'));
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      userDataDir: join(dir, 'profile'),
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
  });

  afterAll(async () => {
    await browser?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /** A page that loads `file` and aborts every other request, listing them in `requests`. */
  async function guardedPage(file: string): Promise<{ page: Page; requests: string[] }> {
    const page = await browser.newPage();
    const requests: string[] = [];
    await page.setRequestInterception(true);
    page.on('request', (req) => {
      if (req.url() === pathToFileURL(file).href) void req.continue();
      else {
        requests.push(req.url());
        void req.abort();
      }
    });
    return { page, requests };
  }

  /** Opens the report, fails on any request other than the file, returns what the DOM shows. */
  async function open(a: Analysis, name: string): Promise<Seen> {
    const file = join(dir, `${name}.html`);
    writeFileSync(file, renderHtml(a));
    const { page, requests } = await guardedPage(file);
    await page.setViewport({ width: 1400, height: 1000 });
    const dialogs: string[] = [];
    page.on('dialog', (d) => {
      dialogs.push(d.message());
      void d.dismiss();
    });
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const seen = await page.evaluate(() => {
      const q = (s: string) => [...document.querySelectorAll(s)];
      return {
        share: q('svg.chart.share').map((svg) => ({
          zone: svg.getAttribute('data-zone'),
          share: svg.querySelectorAll('path.share-line').length,
          fair: svg.querySelectorAll('path.fair-line').length,
          shareD: svg.querySelector('path.share-line')?.getAttribute('d') ?? '',
        })),
        latency: q('svg.chart.latency').map((svg) => ({
          zone: svg.getAttribute('data-zone'),
          series: [...svg.querySelectorAll('path.ccdf')].map((p) => p.getAttribute('data-series')),
        })),
        devices: q('svg.chart.capacity g.device').map((g) => g.getAttribute('data-device')),
        captions: q('figcaption').map((f) => f.textContent ?? ''),
        scripts: q('script').length,
        verdict: document.querySelector('#verdict')?.textContent ?? '',
        sections: q('section').map((s) => s.id),
      };
    });
    const png = join(shots ?? dir, `${name}.png`);
    if (shots) mkdirSync(shots, { recursive: true });
    await page.screenshot({ path: png as `${string}.png`, fullPage: true });
    expect(statSync(png).size).toBeGreaterThan(20_000);
    await page.close();
    expect(requests).toEqual([]);
    expect(dialogs).toEqual([]);
    return seen;
  }

  it('tenants: a share chart and a latency chart per zone, hostile names shown as text, no request', async () => {
    const a = analysisOf('fixtures/tenants.csv');
    const seen = await open(a, 'tenants');
    const zones = a.zones.map((z) => z.zone);
    // names as the escaper shows them: control characters as visible escapes, the rest as written
    const shown = zones.map((z) => z.replace('\x1b', '\\x1b').replace('\x07', '\\x07'));
    expect(seen.share.map((s) => s.zone)).toEqual(shown);
    for (const s of seen.share) {
      expect(s.share).toBe(1);
      expect(s.fair).toBe(1);
      expect(s.shareD).toMatch(/^M[\d.]+ [\d.]+H/);
    }
    expect(seen.latency.map((l) => l.zone)).toEqual(shown);
    for (const l of seen.latency) expect(l.series).toEqual(['observed', 'cap', 'throttle', 'fair']);
    expect(seen.devices).toEqual(['sd0', 'sd1']);
    expect(seen.captions).toContain('<script>alert(1)</script>');
    expect(seen.captions).toContain('=HYPERLINK("http://evil.example/","x")');
    expect(seen.captions).toContain('\\x1b]0;pwned\\x07web\ttab');
    expect(seen.scripts).toBe(0);
    expect(seen.verdict).toContain('Capping each zone');
    expect(seen.sections).toEqual(['verdict', 'zones', 'share-over-time', 'latency', 'capacity', 'cost-model', 'what-if']);
  });

  it('story: a share chart per zone, four latency series per zone, one device', async () => {
    const a = analysisOf('fixtures/story.csv');
    const seen = await open(a, 'story');
    // zones by deviation: backup took more than its due
    expect(seen.share.map((s) => s.zone)).toEqual(['backup', 'db01']);
    expect(seen.latency.map((l) => l.series.length)).toEqual([4, 4]);
    expect(seen.devices).toEqual(['sd0']);
    expect(seen.verdict).toMatch(/sd0 sat idle 20\.8 s of the 40 s window \(52 %\) while capped IO waited/);
  });

  it('the request guard works, and the page\'s Content-Security-Policy blocks a request before it', async () => {
    const a = analysisOf('fixtures/noisy-neighbor.csv');
    const leaky = renderHtml(a).replace('<footer>', '<img src="http://127.0.0.1:9/x.png"><footer>');
    const requestsOf = async (html: string, name: string) => {
      const file = join(dir, name);
      writeFileSync(file, html);
      const { page, requests } = await guardedPage(file);
      await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
      await page.close();
      return requests;
    };
    expect(await requestsOf(leaky.replace(/<meta http-equiv[^>]*>/, ''), 'leak.html')).toEqual(['http://127.0.0.1:9/x.png']);
    expect(await requestsOf(leaky, 'leak-csp.html')).toEqual([]);
  });

  it('interval input: no per-IO latency, said in words; --policy none: no what-if section', async () => {
    const a = analysisOf('fixtures/intervals/vfsstat-Z.txt', ['--policy', 'none']);
    const seen = await open(a, 'vfsstat');
    expect(seen.latency).toEqual([]);
    expect(seen.share.length).toBe(a.zones.length);
    expect(seen.sections).not.toContain('what-if');
  });
});
