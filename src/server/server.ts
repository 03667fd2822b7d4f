// The Async Lanes language server: what the workspace's recordings know, in the code. Diagnostics for the findings,
// hovers on await and task-creation lines, code lenses above the async functions that ran, inlay hints with the
// median wait, quick fixes. Started by the VS Code extension (out/server.js) and by `async-lanes lsp --stdio`.
//
// Settings (initializationOptions, or workspace/didChangeConfiguration's `asyncLanes` section): `traceFolder` (where
// the recordings are; default <workspace>/.async-lanes) and `inlayHints` (default false). The notification
// `asyncLanes/pinTrace` `{ file: string | null }` reads only that trace (null: the newest recording per program).

import { resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { TextDocument } from 'vscode-languageserver-textdocument';
import {
  CodeActionKind,
  CodeLensRefreshRequest,
  NotificationType,
  TextDocuments,
  TextDocumentSyncKind,
  type Connection,
  type InitializeParams,
} from 'vscode-languageserver';
import { codeLenses, diagnostics, hover, indexByFile, inlayHints, SOURCE, type FileInsights } from './insights.js';
import { quickFixes } from './quick-fixes.js';
import { Recordings } from './recordings.js';

export interface ServerSettings {
  traceFolder?: string;
  inlayHints?: boolean;
}

export const PIN_TRACE = new NotificationType<{ file: string | null }>('asyncLanes/pinTrace');

/** `defaults`: settings the client's initializationOptions override (the CLI's --trace-folder). */
export function startServer(connection: Connection, defaults: ServerSettings = {}): void {
  const documents = new TextDocuments(TextDocument);
  let roots: string[] = [];
  let settings: ServerSettings = {};
  let recordings: Recordings | null = null;
  let byFile = new Map<string, FileInsights>();
  /** Files we published diagnostics for, to clear those no recording names any more. */
  let published = new Set<string>();
  let canRefreshLenses = false;
  let canRefreshHints = false;

  const log = (message: string) => connection.console.log(message);
  const pathOf = (uri: string): string | null => {
    try {
      return uri.startsWith('file:') ? fileURLToPath(uri) : null;
    } catch {
      return null;
    }
  };
  const linesOf = (doc: TextDocument) => doc.getText().split(/\r?\n/);
  const folderFrom = (s: ServerSettings) => {
    const f = s.traceFolder?.trim();
    if (f) return roots[0] !== undefined ? resolve(roots[0], f) : resolve(f);
    return roots[0] !== undefined ? resolve(roots[0], '.async-lanes') : null;
  };

  function publishAll(): void {
    const now = new Set<string>();
    for (const [file, ins] of byFile) {
      if (ins.findings.length === 0) continue;
      now.add(file);
      publish(file);
    }
    for (const file of published) if (!now.has(file)) void connection.sendDiagnostics({ uri: uriOf(file), diagnostics: [] });
    published = now;
  }

  function publish(file: string): void {
    const doc = documents.all().find((d) => pathOf(d.uri) === file);
    void connection.sendDiagnostics({ uri: doc?.uri ?? uriOf(file), diagnostics: diagnostics(file, byFile.get(file), doc ? linesOf(doc) : null) });
  }

  function refresh(): void {
    byFile = indexByFile(recordings?.current ?? []);
    publishAll();
    if (canRefreshLenses) void connection.sendRequest(CodeLensRefreshRequest.type).catch(() => undefined);
    if (canRefreshHints) void connection.languages.inlayHint.refresh().catch(() => undefined);
  }

  function useFolder(): void {
    recordings?.dispose();
    recordings = new Recordings({ folder: folderFrom(settings), roots, log, changed: refresh });
    log(`${SOURCE}: reading recordings in ${folderFrom(settings) ?? '(no folder: pin a trace)'}`);
    void recordings.start();
  }

  connection.onInitialize((params: InitializeParams) => {
    roots = (params.workspaceFolders?.map((f) => f.uri) ?? (params.rootUri ? [params.rootUri] : []))
      .map(pathOf)
      .filter((p): p is string => p !== null);
    settings = { ...defaults, ...(params.initializationOptions as ServerSettings | undefined) };
    canRefreshLenses = params.capabilities.workspace?.codeLens?.refreshSupport === true;
    canRefreshHints = params.capabilities.workspace?.inlayHint?.refreshSupport === true;
    return {
      capabilities: {
        textDocumentSync: TextDocumentSyncKind.Incremental,
        hoverProvider: true,
        codeLensProvider: { resolveProvider: false },
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix] },
        inlayHintProvider: true,
      },
      serverInfo: { name: SOURCE },
    };
  });

  connection.onInitialized(() => useFolder());

  connection.onDidChangeConfiguration((change) => {
    const s = (change.settings as { asyncLanes?: ServerSettings } | null)?.asyncLanes;
    if (!s) return;
    const next = { ...settings, ...s };
    const folderChanged = folderFrom(next) !== folderFrom(settings);
    settings = next;
    if (folderChanged) useFolder();
    if (canRefreshHints) void connection.languages.inlayHint.refresh().catch(() => undefined);
  });

  connection.onNotification(PIN_TRACE, ({ file }) => {
    log(file === null ? `${SOURCE}: back to the newest recording of each program` : `${SOURCE}: pinned ${file}`);
    void recordings?.pin(file);
  });

  const withFile = <T>(uri: string, empty: T, fn: (file: string, doc: TextDocument) => T): T => {
    const file = pathOf(uri);
    const doc = documents.get(uri);
    return file === null || !doc ? empty : fn(file, doc);
  };

  documents.onDidChangeContent((e) => withFile(e.document.uri, undefined, (file) => (byFile.has(file) ? publish(file) : undefined)));
  // Closed: the file on disk is taken as it was at the recording again.
  documents.onDidClose((e) => {
    const file = pathOf(e.document.uri);
    if (file !== null && byFile.get(file)?.findings.length) publish(file);
  });

  connection.onHover((p) => withFile(p.textDocument.uri, null, (file, doc) => hover(file, byFile.get(file), linesOf(doc), p.position.line + 1)));
  connection.onCodeLens((p) => withFile(p.textDocument.uri, [], (file, doc) => codeLenses(file, byFile.get(file), linesOf(doc))));
  connection.languages.inlayHint.on((p) =>
    settings.inlayHints ? withFile(p.textDocument.uri, [], (file, doc) => inlayHints(file, byFile.get(file), linesOf(doc), p.range.start.line, p.range.end.line)) : [],
  );
  connection.onCodeAction((p) =>
    withFile(p.textDocument.uri, [], (file, doc) =>
      p.context.diagnostics.filter((d) => d.source === SOURCE).flatMap((d) => quickFixes(doc.uri, linesOf(doc), d, /\.py[iw]?$/i.test(file))),
    ),
  );
  connection.onShutdown(() => recordings?.dispose());

  documents.listen(connection);
  connection.listen();
}

function uriOf(file: string): string {
  return pathToFileURL(file).href;
}
