import type { FuzzSpec } from '../spec.js';
import { grafanaCsvSpec } from './grafana-csv.js';
import { abSpec, autocannonSpec, heySpec, k6Spec, locustSpec, wrkSpec } from './load-tools.js';
import { procfsSpec } from './procfs.js';
import { promJsonSpec } from './prom-json.js';
import { promTextSpec } from './prom-text.js';
import { promtoolDumpSpec } from './promtool-dump.js';
import { psrecordSpec } from './psrecord.js';
import { vmJsonlSpec } from './vm-jsonl.js';

/** The fuzz spec of every importer format (test/fuzz/fuzz.test.ts checks none is missing). */
export const FUZZ_SPECS: Record<string, FuzzSpec> = Object.fromEntries(
  [
    promJsonSpec,
    vmJsonlSpec,
    promtoolDumpSpec,
    procfsSpec,
    psrecordSpec,
    wrkSpec,
    heySpec,
    abSpec,
    k6Spec,
    locustSpec,
    autocannonSpec,
    promTextSpec,
    grafanaCsvSpec,
  ].map((s) => [s.format, s]),
);
