#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm run build`; by `npm ci` through `prepare`,
// by `npm pack` through `prepack`).
import { main } from '../dist/cli/main.js';

process.exitCode = await main(process.argv.slice(2));
