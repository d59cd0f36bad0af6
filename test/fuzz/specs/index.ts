import type { FuzzSpec } from '../spec.js';
import { promJsonSpec } from './prom-json.js';

/** The fuzz spec of every importer format (test/fuzz/fuzz.test.ts checks none is missing). */
export const FUZZ_SPECS: Record<string, FuzzSpec> = {
  [promJsonSpec.format]: promJsonSpec,
};
