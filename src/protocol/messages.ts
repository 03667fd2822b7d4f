// The typed messages between the timeline webview and its host (the VS Code extension, or in a plain browser the
// page's own local host). Pure types: shared by the host side (Node) and the webview bundle (DOM).

/** How the page gets its trace; embedded in the page as JSON. */
export type ViewerSource =
  /** The trace text is embedded in the page (a self-contained HTML file). */
  | { kind: 'inline'; name: string }
  /** The trace is served by `async-lanes view`: GET `url?from=BYTE` returns the bytes from that offset. */
  | { kind: 'poll'; name: string; url: string; intervalMs: number }
  /** The host (VS Code) posts `load` / `append` messages. */
  | { kind: 'host' };

export interface ViewerConfig {
  source: ViewerSource;
}

/** Host → webview. */
export type HostMessage =
  /** A (new) trace: everything read so far, or its first part when `more` is true. */
  | { type: 'load'; name: string; text: string; more?: boolean }
  /** Text appended to the trace file since the last message. `more`: further text follows at once, so the view
   * waits for it before rebuilding (a large file sent in parts). */
  | { type: 'append'; text: string; more?: boolean }
  /** The source failed or changed in a way the view cannot follow (shown as a notice). */
  | { type: 'error'; message: string };

/** Webview → host. */
export type ViewMessage =
  /** The page is ready for `load`. */
  | { type: 'ready' }
  /** "Go to source": open `file` at 1-based `line`. */
  | { type: 'openSource'; file: string; line: number };
