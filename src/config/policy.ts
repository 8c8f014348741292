/**
 * Comparison and case policy: tolerance, severity bands, auto-resolve, from the process
 * configuration (process-config.ts); defaults suit a first run.
 *   MAPWATCH_TOLERANCE_PERCENT  below-MAP margin still counted compliant (default 0)
 *   MAPWATCH_SEVERITY_BANDS     name:minPercentBelow,...  (default low:0,medium:5,high:15)
 *   MAPWATCH_RESOLVE_AFTER      clean reads in a row that resolve a case (default 2)
 */
import { loadProcessConfig, type ProcessConfig, processConfig } from './process-config.js';

/** How cases open, escalate and resolve (cases/open-or-update-case.ts applies it). */
export interface CasePolicy {
  /** Clean (compliant) reads in a row that resolve a case. */
  resolveAfter: number;
  /** Severity names from least to most severe, to tell an escalation from a de-escalation. */
  severityOrder: readonly string[];
  /** Site extraction is broken (site health): a violation opens no new case, only logs on an open one. */
  suppressNew?: boolean;
}

export interface ComparePolicy extends CasePolicy {
  tolerance: { percent: number | null; absMinor: number | null };
  severityBands: { name: string; minPercentBelow: number }[];
}

/** The policy from a parsed configuration. */
export function policyFrom(v: ProcessConfig): ComparePolicy {
  return Object.freeze({
    tolerance: { percent: v.MAPWATCH_TOLERANCE_PERCENT || null, absMinor: null },
    severityBands: v.MAPWATCH_SEVERITY_BANDS,
    severityOrder: v.MAPWATCH_SEVERITY_BANDS.map((b) => b.name),
    resolveAfter: v.MAPWATCH_RESOLVE_AFTER,
  });
}

/** The policy from an environment (default: this process's); `loadPolicy({})` gives the documented defaults. */
export function loadPolicy(source?: NodeJS.ProcessEnv): ComparePolicy {
  return policyFrom(source ? loadProcessConfig(source) : processConfig());
}
