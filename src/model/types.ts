// The records of the `.lanes` trace format, version 1 (docs/trace-format.md), as the parser hands them out:
// every timed record carries its absolute time `t` (ns since the header's start), reconstructed from the deltas.

/** Line 1 of a trace. Unknown fields are kept but ignored. */
export interface TraceHeader {
  format: 'async-lanes';
  version: number;
  runtime: string;
  runtimeVersion: string | null;
  pid: number | null;
  argv: string[];
  cwd: string | null;
  /** ISO time of the trace's time origin. */
  start: string | null;
  blockThresholdNs: number | null;
  [field: string]: unknown;
}

/** `["site", siteId, file, line, func]`: an interned source location. */
export interface Site {
  id: number;
  file: string;
  line: number;
  func: string;
}

/** `["loop", dt, loopId, event, threadId]`: an event loop started (`start`), returned (`stop`) or closed. */
export interface LoopRecord {
  t: number;
  loop: number;
  event: string;
  thread: number | null;
}

/** `["task", dt, taskId, parentId, name, coro, siteId, loopId]`: a task was created at `t`. */
export interface TaskRecord {
  t: number;
  id: number;
  parent: number | null;
  name: string | null;
  coro: string;
  site: number | null;
  loop: number | null;
}

/** `["name", dt, taskId, name]`: the task is (now) called `name`. */
export interface NameRecord {
  t: number;
  id: number;
  name: string;
}

/** `["step", dt, taskId, durNs, awaitedId, siteId]`: one step from `t` to `t + dur`, then suspended on `awaited`
 * (null: a bare yield, or the last step before `end`) at `site`. */
export interface StepRecord {
  t: number;
  id: number;
  dur: number;
  awaited: number | null;
  site: number | null;
}

export type EndState = 'ok' | 'error' | 'cancelled';

/** `["end", dt, taskId, state, text, siteId]`: the task finished; `site` is the raise site of an error. (An `ok` end
 * right after the last step can be that step's 7th element instead.) */
export interface EndRecord {
  t: number;
  id: number;
  state: EndState;
  text: string;
  site: number | null;
}

/** `["fut", dt, futId, kind, ownerTaskId, siteId, children]`: a future was created. */
export interface FutRecord {
  t: number;
  id: number;
  kind: string;
  owner: number | null;
  site: number | null;
  children: number[];
}

export type SetState = 'result' | 'exception' | 'cancelled';

/** `["set", dt, futId, state, byTaskId, via, text]`: the future (or task) was resolved at `t`. */
export interface SetRecord {
  t: number;
  id: number;
  state: SetState;
  by: number | null;
  via: string | null;
  text: string;
}

/** `["cb", dt, durNs, name, siteId]`: a plain event-loop callback ran. */
export interface CallbackRecord {
  t: number;
  dur: number;
  /** null: the name is the site's function (writers leave it out then, to keep records small). */
  name: string | null;
  site: number | null;
}

/** `["block", dt, durNs, taskId, siteIds, seen, samples]`: the loop was blocked by a step of `task` (null: by a
 * callback); `sites` is the stack seen while stuck, innermost first: the one whose innermost line `seen` of the
 * `samples` stacks taken while it was stuck showed (both null when the writer did not say). */
export interface BlockRecord {
  t: number;
  dur: number;
  task: number | null;
  sites: number[];
  seen: number | null;
  samples: number | null;
}

/** `["thread", dt, threadId, name]`: a thread seen for the first time. */
export interface ThreadRecord {
  t: number;
  id: number;
  name: string;
}

/** `["work", dt, durNs, threadId, futId, fn, siteId]`: run_in_executor work; its outcome resolves `future`. */
export interface WorkRecord {
  t: number;
  dur: number;
  thread: number;
  future: number | null;
  fn: string;
  site: number | null;
}

/** `["warn", dt, kind, siteId, taskId, text]`: a problem the runtime reported (never-awaited, unretrieved-exception,
 * loop-exception). */
export interface WarnRecord {
  t: number;
  kind: string;
  site: number | null;
  task: number | null;
  text: string;
}

/** `["exit", dt, how, detail]`: the program ended (`exit` + code, `exception` + text, `signal` + name). */
export interface ExitRecord {
  t: number;
  how: string;
  detail: string | number | null;
}

/** Everything read from a trace so far, by kind, in file order. Appended to as chunks arrive. */
export interface TraceData {
  header: TraceHeader;
  sites: Map<number, Site>;
  loops: LoopRecord[];
  tasks: TaskRecord[];
  names: NameRecord[];
  steps: StepRecord[];
  ends: EndRecord[];
  futs: FutRecord[];
  sets: SetRecord[];
  callbacks: CallbackRecord[];
  blocks: BlockRecord[];
  threads: ThreadRecord[];
  works: WorkRecord[];
  warns: WarnRecord[];
  exit: ExitRecord | null;
  /** Records read (header excluded), damaged lines excluded. */
  records: number;
  /** Lines skipped as damaged (not JSON, or a known kind with elements of the wrong type). */
  skipped: number;
  /** 1-based number of the first skipped line, or null. */
  firstSkippedLine: number | null;
  /** The last line was cut off mid-record (dropped). */
  truncated: boolean;
  /** Largest time seen, including the ends of durations. */
  endNs: number;
  /** Reader notices, e.g. a newer format version. */
  notices: string[];
}
