import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as E from 'fp-ts/lib/Either.js';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Job } from '../../../src/domain/dto.js';
import { call, startServer } from './httpTestServer.js';

let s: Awaited<ReturnType<typeof startServer>>;
let browser: Browser;
beforeAll(async () => {
  s = await startServer();
  browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
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
  expect(existsSync('/usr/bin/chromium')).toBe(true);
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
  const page = await browser.newPage({ viewport: { width: 1100, height: 900 } });
  const external: string[] = [];
  page.on('request', (r) => {
    if (!r.url().startsWith(s.url)) external.push(r.url());
  });
  await page.goto(`${s.url}/#token=alice-token`);
  await page.locator(`#jobs a:has-text("${id}")`).click();
  const rows = page.locator('#timeline tbody tr');
  await expect.poll(() => rows.count()).toBe(2);
  await call(s.url, 'POST', '/agent/job', 'agent-token', {});
  for (const status of ['Validating', 'Running', 'Uploading', 'Completed'])
    expect((await call(s.url, 'PUT', `/jobs/${id}/status`, 'agent-token', { status })).status).toBe(200);
  await expect.poll(() => rows.count(), { timeout: 10_000 }).toBe(7);
  expect(await rows.last().textContent()).toContain('Completed');
  expect(await page.locator('#audit .ok').count()).toBe(7);
  // docs/job-page.png is refreshed only on request, so a test run leaves the tree clean.
  const shot =
    process.env.JOBLEDGER_SCREENSHOT === '1' ? 'docs/job-page.png' : join(tmpdir(), 'jobledger-job-page.png');
  await page.screenshot({ path: shot, fullPage: true });
  expect(existsSync(shot)).toBe(true);
  expect(external).toEqual([]);
}, 40_000);
