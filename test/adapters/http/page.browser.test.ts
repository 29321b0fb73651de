import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Job } from '../../../src/domain/dto.js';
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
    s = await startServer();
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
    await page.goto(`${s.url}/#token=alice-token`);
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
  }, 40_000);
});
