#!/usr/bin/env node
// The `lamina` command. The code lives in dist/ (built by `npm ci` / `npm run build`).
import { main } from '../dist/src/main.js';

process.exitCode = await main(process.argv.slice(2));
