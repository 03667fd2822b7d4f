// The language server's process entry (bundled to out/server.js for the extension): the transport is chosen by the
// command line (--stdio, --node-ipc, --socket=N), as vscode-languageclient starts it.

import { createConnection, ProposedFeatures } from 'vscode-languageserver/node';
import { startServer } from './server.js';

startServer(createConnection(ProposedFeatures.all));
