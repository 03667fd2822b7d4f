// Typed access to the viewer's test hook (window.__lanes, webview/test-hook.ts) from Playwright.

import type { Page } from 'playwright-core';
import type { ViewMessage } from '../../src/protocol/messages.js';
import type { HookHit, HookRow, HookStats, HookView } from '../../src/protocol/test-hook.js';

const hook = 'globalThis.__lanes';

export const rows = (page: Page): Promise<HookRow[]> => page.evaluate(`${hook}.rows()`);
export const view = (page: Page): Promise<HookView> => page.evaluate(`${hook}.view()`);
export const hitTest = (page: Page, x: number, y: number): Promise<HookHit | null> => page.evaluate(`${hook}.hitTest(${x}, ${y})`);
export const xOf = (page: Page, t: number): Promise<number> => page.evaluate(`${hook}.x(${t})`);
export const yOf = (page: Page, key: string): Promise<number | null> => page.evaluate(`${hook}.y(${JSON.stringify(key)})`);
export const stateAt = (page: Page, key: string, t: number): Promise<string | null> => page.evaluate(`${hook}.stateAt(${JSON.stringify(key)}, ${t})`);
export const messages = (page: Page): Promise<ViewMessage[]> => page.evaluate(`${hook}.messages`);
export const stats = (page: Page): Promise<HookStats> => page.evaluate(`${hook}.stats()`);

/** The segment kind hit at time `t` in lane `key`: the kind name, or the hit type ("lane", "outcome", ...). */
export async function kindAt(page: Page, key: string, t: number): Promise<string | null> {
  const y = await yOf(page, key);
  if (y === null) return null;
  const hit = await hitTest(page, await xOf(page, t), y + 4);
  if (!hit || hit.lane !== key) return null;
  return hit.kind ?? hit.what;
}

/** Resolves after the view drew the next frame (the task list is re-rendered with the canvas). */
export const nextFrame = (page: Page): Promise<void> => page.evaluate('new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => r())))');
