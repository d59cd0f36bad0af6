import { listSql } from '../base/sql-files.js';
import type { TraceDatabase } from '../store/database.js';

/** src/models/steps/*.sql: the per-process samples with their previous sample (sample_steps). */
const STEPS = listSql('models/steps');

/** Databases whose sample_steps were just made for the report being built (one use each). */
const fresh = new WeakSet<TraceDatabase>();

async function runSteps(db: TraceDatabase): Promise<void> {
  for (const file of STEPS) await db.connection.run(file.sql);
}

/**
 * Makes the temporary tables sample_steps_cpu and sample_steps_other (and the view
 * sample_steps over both): the one sort of the samples that the report's base views and the
 * pool models share (millions of rows at incident scale). The report makes them before its
 * base views and hands them to the pool models it runs next.
 */
export async function createSampleSteps(db: TraceDatabase): Promise<void> {
  await runSteps(db);
  fresh.add(db);
}

/** Makes the sample steps unless they were just made for this report: then uses those, once. */
export async function useSampleSteps(db: TraceDatabase): Promise<void> {
  if (!fresh.delete(db)) await runSteps(db);
}
