import { generateKeyPairSync } from 'node:crypto';
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Job } from '../../../src/domain/dto.js';
import { transitionTable } from '../../../src/domain/transitionTable.js';
import { describeWith, type OptionalService } from '../../support/optionalService.js';
import { call, startServer } from './httpTestServer.js';

/** Debian's chromium, driven by playwright-core (never `npx playwright install`); JOBLEDGER_CHROMIUM names another. */
const executablePath = process.env.JOBLEDGER_CHROMIUM || '/usr/bin/chromium';
const chromiumBrowser: OptionalService = {
  missing: existsSync(executablePath) ? undefined : `no Chromium at ${executablePath}`,
  toRun: 'install it with apt-get install chromium, or set JOBLEDGER_CHROMIUM to a Chromium executable',
};

describeWith(chromiumBrowser, 'the page in Chromium', () => {
  let s: Awaited<ReturnType<typeof startServer>>;
  let browser: Browser;
  beforeAll(async () => {
    // With a signing key, so the page shows the job's proof against a signed digest.
    s = await startServer('memory:', undefined, { signingKey: generateKeyPairSync('ed25519').privateKey });
    browser = await chromium.launch({
      executablePath,
      headless: true,
      args: [
        '--no-sandbox',
        '--disable-gpu',
        '--disable-quic',
        '--no-first-run',
        '--disable-background-networking',
        '--disable-component-update',
        '--disable-sync',
      ],
    });
  }, 30_000);
  afterAll(async () => {
    await browser?.close();
    await s?.stop();
  });

  it('shows the list, opens a job, and its timeline gains a row when an agent completes it', async () => {
    const created = Job.fromDict(
      (
        await call(s.url, 'POST', '/jobs', 'alice-token', {
          function: { id: 'fn', name: 'render' },
          file: { name: 'a.json' },
        })
      ).body,
    );
    if (E.isLeft(created)) throw new Error(created.left.message);
    const id = created.right.id;
    const page = await browser.newPage({ viewport: { width: 1100, height: 900 }, acceptDownloads: true });
    const external: string[] = [];
    page.on('request', (r) => {
      if (!r.url().startsWith(s.url)) external.push(r.url());
    });
    // Anything the Content-Security-Policy blocks shows as a console error.
    const refused: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') refused.push(m.text());
    });
    await page.goto(`${s.url}/#token=alice-token`);
    // The list's pictures: a bar per status (alice's one job is Pending) and the last minutes' flow.
    await expect
      .poll(() => page.locator('#status-bars [data-status="Pending"]').getAttribute('data-count'), {
        timeout: 10_000,
      })
      .toBe('1');
    expect(await page.locator('#status-bars [data-status]').count()).toBe(10);
    await expect
      .poll(() => page.locator('#throughput [data-flow="created"]').getAttribute('data-total'), {
        timeout: 10_000,
      })
      .toBe('1');
    await page.locator(`#jobs a:has-text("${id}")`).click();
    const rows = page.locator('#timeline tbody tr');
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(2);
    await call(s.url, 'POST', '/agent/job', 'agent-token', {});
    for (const status of ['Validating', 'Running', 'Uploading']) {
      expect((await call(s.url, 'PUT', `/jobs/${id}/status`, 'agent-token', { status })).status).toBe(200);
    }
    const uploaded = await fetch(`${s.url}/jobs/${id}/file?name=result.txt`, {
      method: 'PUT',
      headers: { authorization: 'Bearer agent-token', 'content-type': 'text/plain' },
      body: 'the result',
    });
    expect(uploaded.status).toBe(200);
    expect(
      (await call(s.url, 'PUT', `/jobs/${id}/status`, 'agent-token', { status: 'Completed' })).status,
    ).toBe(200);
    await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(7);
    expect(await rows.last().textContent()).toContain('Completed');
    await expect.poll(() => page.locator('#audit .ok').count(), { timeout: 10_000 }).toBe(8);
    // Every audit event has its leaf in the signed tree, and the proof file is offered for offline checking.
    await expect
      .poll(() => page.locator('#proof').textContent(), { timeout: 10_000 })
      .toMatch(/proven against digest \d+/);
    await expect
      .poll(
        () =>
          page
            .locator('#audit td.leaf')
            .evaluateAll(
              (cells) => cells.filter((c) => /^leaf \d+ of \d+$/.test(c.textContent ?? '')).length,
            ),
        { timeout: 10_000 },
      )
      .toBe(8);
    // The machine, drawn from /machine.json, with this job's path: six edges taken, Completed the current one.
    const taken = await page
      .locator('#machine path.edge.taken[data-from]')
      .evaluateAll((paths) =>
        paths.map((p) => `${p.getAttribute('data-from')}>${p.getAttribute('data-to')}`),
      );
    expect(taken.sort()).toEqual(
      [
        'Created>Pending',
        'Pending>Claimed',
        'Claimed>Validating',
        'Validating>Running',
        'Running>Uploading',
        'Uploading>Completed',
      ].sort(),
    );
    expect(await page.locator('#machine path.edge[data-from]').count()).toBe(
      Object.values(transitionTable).flat().length,
    );
    expect(await page.locator('#machine .state.current').getAttribute('data-status')).toBe('Completed');
    expect(await page.locator('#machine .state.visited').count()).toBe(7);
    // The time bar: one segment per status before the terminal one, each as long as the job stayed there.
    const segments = await page
      .locator('#time-bar rect.segment')
      .evaluateAll((rects) =>
        rects.map((r) => [r.getAttribute('data-status'), Number(r.getAttribute('data-ms'))]),
      );
    expect(segments.map(([name]) => name)).toEqual([
      'Created',
      'Pending',
      'Claimed',
      'Validating',
      'Running',
      'Uploading',
    ]);
    const history = (await call(s.url, 'GET', `/jobs/${id}/status-history`, 'alice-token')).body as {
      created: string;
    }[];
    const stays = history.slice(1).map((h, i) => Date.parse(h.created) - Date.parse(history[i]!.created));
    expect(segments.map(([, ms]) => ms)).toEqual(stays);
    // The result's revision, downloaded through the page (fetch with the token, then a blob link).
    const files = page.locator('#files tbody tr');
    expect(await files.count()).toBe(2);
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      files.last().locator('button').click(),
    ]);
    expect(download.suggestedFilename()).toBe('result.txt');
    const saved = join(tmpdir(), `jobledger-download-${process.pid}.txt`);
    await download.saveAs(saved);
    expect(readFileSync(saved, 'utf8')).toBe('the result');
    rmSync(saved, { force: true });
    // docs/job-page.png is refreshed only on request, so a test run leaves the tree clean.
    const shot =
      process.env.JOBLEDGER_SCREENSHOT === '1'
        ? 'docs/job-page.png'
        : join(tmpdir(), 'jobledger-job-page.png');
    await page.screenshot({ path: shot, fullPage: true });
    expect(existsSync(shot)).toBe(true);
    expect(external).toEqual([]);
    expect(refused).toEqual([]);
    // Back on the list, the bars follow: the job is Completed now.
    await page.goto(`${s.url}/#/`);
    await expect
      .poll(() => page.locator('#status-bars [data-status="Completed"]').getAttribute('data-count'), {
        timeout: 10_000,
      })
      .toBe('1');
    expect(await page.locator('#throughput [data-flow="completed"]').getAttribute('data-total')).toBe('1');
    if (process.env.JOBLEDGER_SCREENSHOT === '1') await page.screenshot({ path: 'docs/job-list.png' });
  }, 60_000);
});
