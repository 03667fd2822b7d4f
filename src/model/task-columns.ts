// A streaming read's tasks (stream.ts) keep their six times in typed columns rather than in their TaskInfo: a large
// trace has hundreds of thousands of tasks, kept to the end for the report, and a time held in an object is a
// separate 16-byte number object (times in ns pass 2^31 within seconds), eight per task with a settled task's last step, each one more object for every
// full collection to mark. Pages of columns, not one array that grows: no copy, no doubling.

import type { AwaitSite, StepInfo, TaskInfo, TaskState, Waker } from './index.js';
import type { Site } from './types.js';

const PAGE_BITS = 12;
const PAGE = 1 << PAGE_BITS;
const FIELDS = 8;
const CREATED = 0;
const START = 1;
const END = 2;
const BUSY = 3;
const IDLE = 4;
const SCHEDULED = 5;
/** A settled task's last step (stream.ts, Settled). */
export const LAST_START = 6;
export const LAST_DUR = 7;

/** The times of a read's tasks, by slot (in the order the tasks became known). */
export class TaskTimes {
  private readonly pages: Float64Array[] = [];
  private count = 0;

  /** A new slot, its times 0 and its end null. */
  add(): number {
    const slot = this.count++;
    if ((slot & (PAGE - 1)) === 0) this.pages.push(new Float64Array(PAGE * FIELDS));
    this.set(slot, END, NaN);
    return slot;
  }

  get(slot: number, field: number): number {
    return this.pages[slot >>> PAGE_BITS][(slot & (PAGE - 1)) * FIELDS + field];
  }

  set(slot: number, field: number, v: number): void {
    this.pages[slot >>> PAGE_BITS][(slot & (PAGE - 1)) * FIELDS + field] = v;
  }
}

/** A TaskInfo whose times are in TaskTimes. */
export class ColumnTask implements TaskInfo {
  defined = false;
  parent: number | null = null;
  children: number[];
  name: string;
  coro = '';
  site: Site | null = null;
  loop: number | null = null;
  state: TaskState = 'pending';
  result: string | null = null;
  error: string | null = null;
  raiseSite: Site | null = null;
  cancelledBy: number | string | null = null;
  idleByKind: TaskInfo['idleByKind'] = {};
  steps: StepInfo[];
  awaits: AwaitSite[] = [];
  wakers: Waker[] = [];

  constructor(readonly id: number, none: never[], readonly times: TaskTimes, readonly slot: number) {
    this.children = none;
    this.steps = none;
    this.name = `task ${id}`;
  }

  get created(): number {
    return this.times.get(this.slot, CREATED);
  }
  set created(v: number) {
    this.times.set(this.slot, CREATED, v);
  }
  get start(): number {
    return this.times.get(this.slot, START);
  }
  set start(v: number) {
    this.times.set(this.slot, START, v);
  }
  get end(): number | null {
    const v = this.times.get(this.slot, END);
    return Number.isNaN(v) ? null : v;
  }
  set end(v: number | null) {
    this.times.set(this.slot, END, v === null ? NaN : v);
  }
  get busyNs(): number {
    return this.times.get(this.slot, BUSY);
  }
  set busyNs(v: number) {
    this.times.set(this.slot, BUSY, v);
  }
  get idleNs(): number {
    return this.times.get(this.slot, IDLE);
  }
  set idleNs(v: number) {
    this.times.set(this.slot, IDLE, v);
  }
  get scheduledNs(): number {
    return this.times.get(this.slot, SCHEDULED);
  }
  set scheduledNs(v: number) {
    this.times.set(this.slot, SCHEDULED, v);
  }
}
