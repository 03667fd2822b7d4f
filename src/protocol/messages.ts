// The typed messages between the timeline webview and its host (the VS Code extension, or in a plain browser the
// page's own local host). Pure types: shared by the host side (Node) and the webview bundle (DOM).

/** How the page gets its trace; embedded in the page as JSON. */
export type ViewerSource =
  /** The trace text is embedded in the page (a self-contained HTML file). */
  | { kind: 'inline'; name: string }
  /** The trace is served by `async-lanes view`: GET `url?from=BYTE` returns the bytes from that offset (and the file's
   * size, X-Lanes-Size, and for a file over the budget where it ends in time, X-Lanes-End in ns). `live`: the file may grow (false for a time window, served whole); `budgetBytes`: a file
   * larger than this is not read (the page says so and how to open a time window of it). */
  | { kind: 'poll'; name: string; url: string; intervalMs: number; live: boolean; budgetBytes: number }
  /** The host (VS Code) posts `load` / `append` messages. */
  | { kind: 'host' };

export interface ViewerConfig {
  source: ViewerSource;
}

/** Host → webview. */
export type HostMessage =
  /** A (new) trace: everything read so far, or its first part when `more` is true. `live`: the file may still grow
   * (a recording in progress; default: the page's source says); `follow`: keep the end in view while it grows;
   * `file`: the host's path of the trace, kept in the view's state so a reloaded window reopens it. */
  | { type: 'load'; name: string; text: string; more?: boolean; live?: boolean; follow?: boolean; file?: string }
  /** Text appended to the trace file since the last message. `more`: further text follows at once, so the view
   * waits for it before rebuilding (a large file sent in parts). */
  | { type: 'append'; text: string; more?: boolean }
  /** The trace is `bytes` long, larger than the timeline holds (`budget`), and ends `endNs` after its start (null: not
   * known): nothing of it is sent; the page says so and offers a time window of it. */
  | { type: 'tooBig'; name: string; bytes: number; budget: number; endNs: number | null }
  /** The source failed or changed in a way the view cannot follow (shown as a notice). */
  | { type: 'error'; message: string }
  /** The recording ended: the file no longer grows. */
  | { type: 'ended' }
  /** Select a task (null: clear the selection) and, with `time`, put the time cursor there and bring it into view
   * (null: remove the time cursor, as a debugger's pause ends). */
  | { type: 'select'; taskId: number | null; time?: number | null }
  /** Show only these tasks (a code lens's function: `label`, e.g. "fetch()"), with their ancestors for context, under
   * a bar that says so and shows all again; the first is selected. `total`: how many tasks ran it, when `taskIds`
   * holds only the first of them. */
  | { type: 'showTasks'; taskIds: number[]; label: string; total?: number };

/** Webview → host. */
export type ViewMessage =
  /** The page is ready for `load`. */
  | { type: 'ready' }
  /** "Go to source": open `file` at 1-based `line`. */
  | { type: 'openSource'; file: string; line: number }
  /** The selected task changed (null: none, or a lane that is not a task). */
  | { type: 'selected'; taskId: number | null }
  /** "Open Time Window…" on the message about a trace too big for the timeline (VS Code). */
  | { type: 'openWindow' };

/** What the webview keeps across reloads (VS Code's setState/getState); the host reads `file` to reopen the trace
 * when it restores a timeline panel. */
export interface ViewState {
  file?: string;
  selected: string | null;
  t0: number;
  span: number;
  collapsed: string[];
  follow: boolean;
}
