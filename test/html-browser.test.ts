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
import { verdictSentences } from '../src/report/verdict.js';
import { fmtPct } from '../src/report/format.js';
import type { Analysis } from '../src/core/analysis.js';
import { analysisOf, renamed } from './report-helpers.js';

const CHROMIUM = '/usr/bin/chromium';

/** Text as the page shows it: control characters as the escaper makes them visible. */
const shownText = (s: string) => s.replace(/\x1b/g, '\\x1b').replace(/\x07/g, '\\x07');
// CI installs chromium (.ci/run); elsewhere the test says it was skipped rather than fail
const haveBrowser = existsSync(CHROMIUM) || !!process.env.CI;

interface Seen {
  share: { zone: string | null; share: number; fair: number; shareD: string }[];
  latency: { zone: string | null; series: (string | null)[] }[];
  devices: (string | null)[];
  captions: string[];
  scripts: number;
  verdict: string;
  /** The verdict's paragraphs, as rendered text. */
  sentences: string[];
  sections: string[];
  frontier: {
    mode: string | null;
    zone: string | null;
    levels: { level: string | null; x: number; y: number; label: string; title: string }[];
    references: { policy: string | null; x: number; y: number }[];
    axis: string[];
  }[];
  /** Each table's header cells and rows, as rendered text, by the section it is in. */
  tables: { section: string; head: string[]; rows: string[][] }[];
  bold: number;
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
        sentences: q('#verdict p').map((p) => p.textContent ?? ''),
        sections: q('section').map((s) => s.id),
        frontier: q('svg.chart.frontier').map((svg) => ({
          mode: svg.getAttribute('data-mode'),
          zone: svg.getAttribute('data-zone'),
          // a point's centre: the circle's (cost and protection), or a bar's top middle (cost only)
          levels: [...svg.querySelectorAll('g.level')].map((g) => {
            const c = g.querySelector('circle');
            const r = g.querySelector('rect')!;
            return {
              level: g.getAttribute('data-level'),
              x: c ? Number(c.getAttribute('cx')) : Number(r.getAttribute('x')) + Number(r.getAttribute('width')) / 2,
              y: c ? Number(c.getAttribute('cy')) : Number(r.getAttribute('y')),
              label: g.querySelector('text')?.textContent ?? '',
              title: g.querySelector('title')?.textContent ?? '',
            };
          }),
          references: [...svg.querySelectorAll('g.reference')].map((g) => {
            const b = (g.querySelector('rect') as SVGGraphicsElement).getBBox();
            return { policy: g.getAttribute('data-policy'), x: b.x + b.width / 2, y: b.y + b.height / 2 };
          }),
          axis: [...svg.querySelectorAll('text.axis')].map((t) => t.textContent ?? ''),
        })),
        tables: q('section table').map((t) => ({
          section: t.closest('section')?.id ?? '',
          head: [...t.querySelectorAll('thead tr:last-child th')].map((th) => th.textContent ?? ''),
          rows: [...t.querySelectorAll('tbody tr')].map((tr) => [...tr.querySelectorAll('td')].map((td) => td.textContent ?? '')),
        })),
        bold: q('b').length,
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
    expect(seen.sections).toEqual(['verdict', 'zones', 'share-over-time', 'latency', 'capacity', 'cost-model', 'what-if', 'cap-ladder']);
    // every sentence of the verdict, as the table prints it
    expect(seen.sentences).toEqual(verdictSentences(a.verdict!).map(shownText));
    // no zone to protect: the chart shows what each level cost, one bar per level, taller for more idle time
    const L = a.cap_ladder!;
    expect(L.protected_zone).toBeNull();
    expect(seen.frontier.length).toBe(1);
    const f = seen.frontier[0];
    expect(f.mode).toBe('cost');
    expect(f.levels.map((l) => l.level)).toEqual(L.levels.map((l) => String(l.level)));
    expect(f.levels.map((l) => l.label)).toEqual(L.levels.map((l) => fmtPct(l.idle_while_waiting_frac)));
    const bottom = Math.max(...f.levels.map((l) => l.y));
    L.levels.forEach((l, i) => {
      // bar heights in proportion to the idle shares
      const top = L.levels[0];
      if (top.idle_while_waiting_frac! > 0)
        expect((bottom - f.levels[i].y) / (bottom - f.levels[0].y)).toBeCloseTo(l.idle_while_waiting_frac! / top.idle_while_waiting_frac!, 2);
    });
  });

  it('story: a share chart per zone, four latency series per zone, one device', async () => {
    const a = analysisOf('fixtures/story.csv');
    const seen = await open(a, 'story');
    // zones by deviation: backup took more than its due
    expect(seen.share.map((s) => s.zone)).toEqual(['backup', 'db01']);
    expect(seen.latency.map((l) => l.series.length)).toEqual([4, 4]);
    expect(seen.devices).toEqual(['sd0']);
    expect(seen.verdict).toMatch(/sd0 sat idle 20\.8 s of the 40 s window \(52 %\) while capped IO waited/);
    expect(seen.sentences).toEqual(verdictSentences(a.verdict!).map(shownText));
    expect(seen.sentences.length).toBe(6);

    // the frontier: a point per level, placed by its cost (x) and db01's p99 against fair (y, log)
    const L = a.cap_ladder!;
    const [f] = seen.frontier;
    expect(f.mode).toBe('protection');
    expect(f.zone).toBe('db01');
    expect(f.levels.map((l) => l.label)).toEqual(L.levels.map((l) => String(l.level)));
    expect(f.axis.join(' ')).toMatch(/db01's p99 ÷ its p99 under fair/);
    const pts = L.levels.map((l, i) => ({ cost: l.idle_while_waiting_frac!, ratio: l.protected_p99_vs_fair!, ...f.levels[i] }));
    // x is linear in the cost, y linear in log(ratio) (upwards): any two pairs of points agree on the scales
    const [p, q] = [pts[0], pts[6]];
    const sx = (q.x - p.x) / (q.cost - p.cost);
    const sy = (q.y - p.y) / (Math.log10(q.ratio) - Math.log10(p.ratio));
    expect(sy).toBeLessThan(0);
    for (const r of pts) {
      expect(r.x - p.x).toBeCloseTo((r.cost - p.cost) * sx, 0);
      expect(r.y - p.y).toBeCloseTo((Math.log10(r.ratio) - Math.log10(p.ratio)) * sy, 0);
    }
    // fifo and fair for reference: fair at 1× with no idle time, fifo 7.4× above it
    const ref = new Map(f.references.map((r) => [r.policy, r]));
    expect([...ref.keys()]).toEqual(['fifo', 'fair']);
    expect(ref.get('fair')!.x).toBeCloseTo(p.x - p.cost * sx, 0);
    expect(ref.get('fifo')!.y - ref.get('fair')!.y).toBeCloseTo(Math.log10(L.protected_fifo_p99_us! / L.protected_fair_p99_us!) * sy, 0);
    expect(pts[0].title).toMatch(/^level 1: 80 IOPS on sd0 per busy second.*db01's p99 4\.31 s, 37\.1× its p99 under fair$/);

    // the what-if: work done, lost and not done within the window, and idle time per device
    const work = seen.tables.find((t) => t.section === 'what-if' && t.head.includes('IOs'))!;
    const cap = work.rows.find((r) => r[0] === 'cap')!;
    expect(cap).toEqual(['cap', 'open', '3,182', '200 MB', '19 s', '88.1 %', '93.9 %', '22.2 %', '23,583', '3.08 GB', '5.43 s']);
    const idle = seen.tables.find((t) => t.section === 'what-if' && t.head.includes('sd0'))!;
    expect(idle.rows.map((r) => r.slice(0, 3))).toEqual([
      ['fifo', '0 s', 'no'],
      ['cap', '20.8 s (52 %)', 'yes'],
      ['throttle', '0 s', 'no'],
      ['fair', '0 s', 'no'],
    ]);
    // the ladder's table: one row per level, protects as in the JSON
    const ladder = seen.tables.find((t) => t.section === 'cap-ladder' && t.head[0] === 'level')!;
    expect(ladder.rows.map((r) => r.at(-1))).toEqual(L.levels.map((l) => (l.protects ? 'yes' : 'no')));
  });

  it('a hostile protected zone name is text in the frontier chart and the ladder table', async () => {
    const names = ['<b>bold</b>', 'x"\'&<y'];
    const a = renamed(analysisOf('fixtures/story.csv'), names);
    const seen = await open(a, 'story-hostile');
    const pz = a.cap_ladder!.protected_zone!;
    expect(names).toContain(pz);
    expect(seen.frontier[0].zone).toBe(pz);
    expect(seen.frontier[0].axis.join(' ')).toContain(`${pz}'s p99`);
    const ladder = seen.tables.find((t) => t.section === 'cap-ladder' && t.head[0] === 'level')!;
    expect(ladder.head).toContain(`${pz} p99`);
    expect(seen.bold).toBe(0);
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
