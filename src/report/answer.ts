import { SEVERITIES } from './findings.js';
import { SUBJECTS, type DeploymentSummary, type RankedFinding } from './summary.js';

/**
 * One sentence of the Answer section: what it says and the findings its numbers come from
 * (`finding_ids` with the `deployment` they are about; none for the sentences that say why
 * there is no answer).
 */
export interface AnswerSentence {
  text: string;
  finding_ids: string[];
  deployment: string | null;
}

/** At most this many sentences: the most severe findings' (the Findings section lists them all). */
export const ANSWER_MAX = 6;

/**
 * The answer to "did the new process model cost more CPU or memory than the baseline, and why",
 * made of the `answer` sentences of the findings, in this order:
 *   1. the critical findings (a worker lost for good: what follows is not like for like);
 *   2. for each deployment compared with the baseline, its CPU verdict (`cpu-per-request`, else
 *      `cpu-vs-baseline`) and its memory verdict (`memory-per-worker`), whatever their severity:
 *      they are the answer to the question, "no measurable difference" included;
 *   3. the other findings, most severe first, within one severity the subjects in turn (CPU →
 *      memory → lifecycle → containers, src/report/findings.ts), one sentence per finding id
 *      (the same finding about another deployment is listed under Findings).
 * At most ANSWER_MAX sentences. A finding made later answers here by carrying an `answer`. With
 * one deployment, or when no finding answers, it says so.
 */
export function composeAnswer(
  baseline: string,
  deployments: Pick<DeploymentSummary, 'name'>[],
  ranked: RankedFinding[],
): AnswerSentence[] {
  const others = deployments.filter((d) => d.name !== baseline).map((d) => d.name);
  if (others.length === 0)
    return [
      {
        text:
          `The data holds one deployment, ${baseline}, and no other to compare it with: this report ` +
          `cannot say whether a process model cost more CPU or memory.`,
        finding_ids: [],
        deployment: null,
      },
    ];
  const sentences = ordered(
    others,
    ranked.filter((f) => f.answer !== undefined),
  )
    .slice(0, ANSWER_MAX)
    .map((f) => ({ text: f.answer!, finding_ids: [f.id], deployment: f.deployment }));
  if (sentences.length > 0) return sentences;
  return [
    {
      text:
        `No finding of this report answers whether ${list(others)} cost more CPU or memory than ` +
        `the baseline, ${baseline}.`,
      finding_ids: [],
      deployment: null,
    },
  ];
}

/** The verdicts of each compared deployment: its CPU (per request, else in total) and its memory. */
const CPU_VERDICTS = ['cpu-per-request', 'cpu-vs-baseline'];
const MEMORY_VERDICTS = ['memory-per-worker'];

function ordered(others: string[], answering: RankedFinding[]): RankedFinding[] {
  const out: RankedFinding[] = answering.filter((f) => f.severity === 'critical');
  const verdict = (deployment: string, ids: string[]) =>
    ids.map((id) => answering.find((f) => f.id === id && f.deployment === deployment)).find((f) => f);
  for (const d of others)
    for (const f of [verdict(d, CPU_VERDICTS), verdict(d, MEMORY_VERDICTS)])
      if (f && !out.includes(f)) out.push(f);
  const ids = new Set(out.map((f) => f.id));
  for (const f of interleaved(answering)) {
    if (out.includes(f) || ids.has(f.id)) continue;
    out.push(f);
    ids.add(f.id);
  }
  return out;
}

/**
 * Within one severity, the subjects in turn (the first CPU finding, the first memory finding, ...,
 * then the second of each), so that the first six sentences answer for CPU and for memory.
 */
function interleaved(ranked: RankedFinding[]): RankedFinding[] {
  const out: RankedFinding[] = [];
  for (const severity of SEVERITIES) {
    const bySubject = SUBJECTS.map((s) => ranked.filter((f) => f.severity === severity && f.subject === s));
    for (let k = 0; bySubject.some((list) => k < list.length); k++)
      for (const list of bySubject) if (k < list.length) out.push(list[k]!);
  }
  return out;
}

function list(names: string[]): string {
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} or ${names.at(-1)!}`;
}
