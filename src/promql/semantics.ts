import { UsageError } from '../base/errors.js';
import * as msg from '../base/messages.js';

/** The Prometheus versions whose PromQL behaviour can be selected with --semantics (docs/design.md). */
export const SEMANTICS = ['prometheus-3', 'prometheus-2.51', 'prometheus-2.42'] as const;
export type Semantics = (typeof SEMANTICS)[number];

/** What differs between the versions, as switches the planner reads. */
export interface SemanticsRules {
  /** 3.0: range selectors take (t - range, t] and the lookback is (t - 5m, t]; 2.x closed on both ends. */
  leftOpen: boolean;
  /** Before 2.51 (PR #13725) the counter zero point clamps durationToStart before the 1.1 x rule. */
  clampFirst: boolean;
  /** 2.42 sums aggregations plainly; later versions use Kahan summation (kahanSumInc) for sum and avg. */
  kahanSum: boolean;
  /** 3.0 compiles label regexes as ^(?s:re)$, so `.` matches a newline; 2.x as ^(?:re)$. */
  regexDotAll: boolean;
  /** 3.x: the type-and-unit labels __type__ and __unit__ are dropped wherever __name__ is. */
  typeAndUnitLabels: boolean;
  /** Since 2.46 (PR #12595) atan2 drops the metric name as the other arithmetic operators do. */
  atan2DropsName: boolean;
}

export function semanticsRules(s: Semantics): SemanticsRules {
  switch (s) {
    case 'prometheus-3':
      return {
        leftOpen: true,
        clampFirst: false,
        kahanSum: true,
        regexDotAll: true,
        typeAndUnitLabels: true,
        atan2DropsName: true,
      };
    case 'prometheus-2.51':
      return {
        leftOpen: false,
        clampFirst: false,
        kahanSum: true,
        regexDotAll: false,
        typeAndUnitLabels: false,
        atan2DropsName: true,
      };
    case 'prometheus-2.42':
      return {
        leftOpen: false,
        clampFirst: true,
        kahanSum: false,
        regexDotAll: false,
        typeAndUnitLabels: false,
        atan2DropsName: false,
      };
  }
}

export function parseSemantics(text: string): Semantics {
  if ((SEMANTICS as readonly string[]).includes(text)) return text as Semantics;
  throw new UsageError(msg.promqlUnknownSemantics(text, SEMANTICS));
}

/** Prometheus' default lookback delta for instant vector selectors. */
export const LOOKBACK_MS = 5 * 60_000;
