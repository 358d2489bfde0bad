// A baseline file: the fingerprints of accepted findings, so CI fails only on new ones. Fingerprints only — a
// baseline can be committed next to the code it covers.
import { JsonSyntaxError, parseExactJson } from '../parsers/exact-json.js';
import { jsonOverLimits, limitMessage, PARSE_LIMITS } from '../parsers/parse-limits.js';
import type { Finding } from './types.js';

export const BASELINE_VERSION = 1;

export interface Baseline {
  schemaVersion: typeof BASELINE_VERSION;
  fingerprints: string[];
}

export class BaselineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BaselineError';
  }
}

/**
 * Where and why `text` is not JSON, without quoting it: V8's JSON.parse message shows the input around the error, and
 * a file passed as --baseline by mistake may be a key file or a config.
 */
function jsonSyntaxProblem(text: string): string {
  try {
    parseExactJson(text);
  } catch (error) {
    if (error instanceof JsonSyntaxError) return `${error.line}:${error.column}: not JSON (${error.reason})`;
  }
  return 'not JSON';
}

/** Parses a baseline file's text; `where` names it in errors. */
export function parseBaseline(text: string, where: string): Set<string> {
  const overLimit = jsonOverLimits(text, PARSE_LIMITS.baselineJson);
  if (overLimit) throw new BaselineError(limitMessage(where, overLimit));
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    throw new BaselineError(`${where}: ${jsonSyntaxProblem(text)}`);
  }
  const record = data as Partial<Baseline> | null;
  if (typeof record !== 'object' || record === null || record.schemaVersion !== BASELINE_VERSION) {
    throw new BaselineError(`${where}: not a signer-opsec baseline (expected "schemaVersion": ${BASELINE_VERSION})`);
  }
  if (
    !Array.isArray(record.fingerprints) ||
    !record.fingerprints.every((item) => /^(?:[0-9a-f]{8}|[0-9a-f]{16})$/.test(String(item)))
  ) {
    throw new BaselineError(
      `${where}: "fingerprints" must be an array of fingerprints (8 hex for a key, 16 for other secrets)`,
    );
  }
  return new Set(record.fingerprints);
}

export function renderBaseline(findings: readonly Finding[]): string {
  const fingerprints = [...new Set(findings.map((finding) => finding.fingerprint))].sort();
  const baseline: Baseline = { schemaVersion: BASELINE_VERSION, fingerprints };
  return `${JSON.stringify(baseline, null, 2)}\n`;
}

/** Findings whose fingerprint the baseline does not list, and how many were suppressed. */
export function applyBaseline(findings: readonly Finding[], accepted: ReadonlySet<string>) {
  const kept = findings.filter((finding) => !accepted.has(finding.fingerprint));
  return { findings: kept, suppressed: findings.length - kept.length };
}
