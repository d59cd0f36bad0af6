#!/usr/bin/env node
// Thin launcher: the compiled CLI lives in dist/ (built by `npm run build`; by `npm ci` through `prepare`,
// by `npm pack` through `prepack`).
import { main } from '../dist/cli/main.js';

// A reader that stops early (`| head`) closes the pipe: stop quietly, as a Unix filter does.
process.stdout.on('error', (e) => {
  if (e.code !== 'EPIPE') throw e;
  process.exit(0);
});

process.exitCode = await main(process.argv.slice(2));
