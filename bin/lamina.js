#!/usr/bin/env node
// The `lamina` command. The code lives in dist/ (built by `npm ci` / `npm run build`).
import { main } from '../dist/src/main.js';

// Exit as soon as the command is done, whatever timers or sockets are left.
process.exit(await main(process.argv.slice(2)));
