import type fc from 'fast-check';

/** One input to fuzz: a file's bytes, or a folder of files (relative path → bytes). */
export type FuzzInput =
  | { kind: 'file'; name: string; bytes: Buffer }
  | { kind: 'dir'; name: string; files: Record<string, Buffer> };

/** A generated input the importer must accept, with the number of samples it holds (when known). */
export interface ValidInput {
  input: FuzzInput;
  samples?: number;
}

/**
 * How one importer is fuzzed. Every format in IMPORTERS must have one (test/fuzz/fuzz.test.ts
 * fails otherwise), so a new importer cannot be left out.
 */
export interface FuzzSpec {
  format: string;
  /** Real inputs of the format (small ones, so thousands of mutations run in minutes). */
  seeds(): FuzzInput[];
  /** What the database holds before each input (default: the first seed); small keeps resets cheap. */
  baseline?(): FuzzInput;
  /** Generated inputs that must import cleanly (hostile strings and odd values included). */
  valid: fc.Arbitrary<ValidInput>;
}
