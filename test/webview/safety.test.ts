// Untrusted trace content shows as text, never as markup; damaged, cut-off and foreign files show a notice.

import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { Browser } from 'playwright-core';
import { launch, offlinePage, openViewer, SHOTS, tempDir } from './browser.js';
import { rows } from './hook.js';

let browser: Browser;
const dir = tempDir();

before(async () => {
  browser = await launch();
});
after(async () => {
  await browser?.close();
});

const HEADER = '{"format":"async-lanes","version":1,"runtime":"python","cwd":"/p","start":"2026-11-21T19:00:00Z","blockThresholdNs":100000000}';
const IMG = '<img src=x onerror="globalThis.__pwned=1">';
const SCRIPT = '</script><script>globalThis.__pwned=2</script>';

const hostile = [
  HEADER,
  JSON.stringify(['site', 1, `/p/${IMG}.py`, 3, `<b>f</b>`]),
  JSON.stringify(['task', 0, 1, null, IMG, `<svg onload="globalThis.__pwned=3">`, 1, 0]),
  JSON.stringify(['task', 10, 2, 1, SCRIPT, 'w', 1, 0]),
  JSON.stringify(['step', 10, 1, 100, 2, 1]),
  JSON.stringify(['step', 10, 2, 100, null, 1]),
  JSON.stringify(['end', 100, 2, 'error', `ValueError: ${IMG}`, 1]),
  JSON.stringify(['step', 10, 1, 100, null, 1]),
  JSON.stringify(['end', 100, 1, 'ok', SCRIPT, null]),
  JSON.stringify(['warn', 10, 'unretrieved-exception', 1, 2, IMG]),
  JSON.stringify(['exit', 10, 'exit', 0]),
  '',
].join('\n');

describe('untrusted and damaged traces', () => {
  it('hostile names, reprs, exception texts and file names render as text', async () => {
    const { page, errors } = await openViewer(browser, offlinePage(hostile, dir, `${IMG}.lanes`));
    const labels = (await rows(page)).map((r) => r.label);
    assert.deepEqual(labels.slice(1), [`${IMG} · <svg onload="globalThis.__pwned=3">`, `${SCRIPT} · w`]);
    assert.equal(await page.locator('[role=treeitem][data-key="task:1"] .name').textContent(), `${IMG} · <svg onload="globalThis.__pwned=3">`);
    // Open every text surface: details of both tasks, the findings list, a tooltip, the source toast.
    await page.locator('[role=treeitem][data-key="task:2"]').click();
    assert.ok((await page.locator('#details').textContent())!.includes(`ValueError: ${IMG}`));
    await page.locator('#details button.source').first().click();
    assert.ok((await page.locator('#source-toast').textContent())!.includes(`${IMG}.py:3`));
    await page.locator('[role=treeitem][data-key="task:1"]').click();
    assert.ok((await page.locator('#details').textContent())!.includes(SCRIPT));
    assert.ok((await page.locator('#findings-list').textContent())!.includes(IMG));
    assert.equal(await page.title(), `${IMG}.lanes — Async Lanes`);
    assert.equal(await page.locator('img, svg, b, #app script').count(), 0, 'no element came from trace data');
    assert.equal(await page.evaluate('globalThis.__pwned'), undefined);
    await page.screenshot({ path: join(SHOTS, 'hostile.png') });
    assert.deepEqual(errors, []);
  });

  it('a trace cut off mid-record shows what it has and a visible notice', async () => {
    const cut = hostile.slice(0, hostile.indexOf('["step",10,1,100,null'));
    const { page, errors } = await openViewer(browser, offlinePage(cut + '["step",10,1,1', dir, 'cut.lanes'));
    const notice = page.locator('#notices .notice');
    await notice.first().waitFor();
    assert.match((await notice.allTextContents()).join('\n'), /Truncated trace: it ends mid-record/);
    assert.equal((await rows(page)).length, 3, 'the loop lane and both tasks are still shown');
    await page.screenshot({ path: join(SHOTS, 'truncated.png') });
    assert.deepEqual(errors, []);
  });

  it('damaged lines are skipped and counted; a file that is not a trace says so', async () => {
    const damaged = hostile.replace('["step",10,2,100,null,1]', '["step",10,2,"x",null,1]\n{not json');
    const { page } = await openViewer(browser, offlinePage(damaged, dir, 'damaged.lanes'));
    assert.match((await page.locator('#notices').textContent())!, /Damaged trace: 2 unreadable lines skipped \(the first is line 6\)/);
    const foreign = await browser.newPage();
    await foreign.goto(offlinePage('PK\u0003\u0004 binary stuff\n', dir, 'foreign.lanes'));
    const error = foreign.locator('#notices .notice.error');
    await error.waitFor();
    assert.match((await error.textContent())!, /Not a readable trace: line 1: not an Async Lanes trace/);
  });
});
