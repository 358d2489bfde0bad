import { appendAll } from '../parsers/lists.js';
import { NotEvaluableError, TargetError } from '../target/errors.js';
import type { AuditContext } from './context.js';
import { type Applicability, type Check, formatMessage, type MessageData, type Reporter } from './define-check.js';
import { CheckError } from './errors.js';
import { type CheckResult, type Evidence, SEVERITIES, type Severity, type Status, verdictOf } from './types.js';

export interface ReportedItem {
  status: Status;
  messageId: string;
  message: string;
}

/** A result with the items that produced it; tests assert on message ids. */
export interface DetailedResult {
  result: CheckResult;
  items: ReportedItem[];
}

function toList(evidence: Evidence | Evidence[] | undefined): Evidence[] {
  if (evidence === undefined) return [];
  return Array.isArray(evidence) ? evidence : [evidence];
}

function baseResult(check: Check): Omit<CheckResult, 'status' | 'message' | 'evidence'> {
  return {
    id: check.id,
    title: check.title,
    family: check.family,
    threats: [...check.threats],
    severity: check.severity,
    remediation: check.remediation,
    references: [...check.references],
  };
}

function fromApplicability(check: Check, applicability: Exclude<Applicability, true>): CheckResult {
  const status: Status = 'notApplicable' in applicability ? 'not_applicable' : 'not_evaluable';
  const message = 'notApplicable' in applicability ? applicability.notApplicable : applicability.notEvaluable;
  return { ...baseResult(check), status, message, evidence: [] };
}

function errorResult(check: Check, error: unknown): CheckResult {
  if (error instanceof NotEvaluableError) {
    return { ...baseResult(check), status: 'not_evaluable', message: error.message, evidence: [] };
  }
  const known = error instanceof CheckError || error instanceof TargetError;
  const reason = error instanceof Error ? error.message : String(error);
  const evidence: Evidence[] = error instanceof CheckError && error.evidence ? [error.evidence] : [];
  // An unexpected exception is a bug in the check: say so, so it gets reported rather than trusted.
  const message = known ? reason : `internal error in ${check.id}: ${reason}`;
  return { ...baseResult(check), status: 'error', message, evidence };
}

/** Runs one check to exactly one result. Never throws. */
export async function runCheck(check: Check, ctx: AuditContext): Promise<CheckResult> {
  return (await runCheckDetailed(check, ctx)).result;
}

export async function runCheckDetailed(check: Check, ctx: AuditContext): Promise<DetailedResult> {
  const items: ReportedItem[] = [];
  try {
    const applicability = check.applies ? await check.applies(ctx) : true;
    if (applicability !== true) return { result: fromApplicability(check, applicability), items };

    const evidence: Evidence[] = [];
    let data: Record<string, unknown> | undefined;
    let severity: Severity = check.severity;
    let severityReason: string | undefined;
    const add = (status: Status) => (messageId: string, values?: MessageData, found?: Evidence | Evidence[]) => {
      const template = check.messages[messageId];
      if (template === undefined) throw new Error(`${check.id} reported unknown message id "${messageId}"`);
      items.push({ status, messageId, message: formatMessage(template, values) });
      appendAll(evidence, toList(found));
    };
    const reporter: Reporter<string> = {
      pass: add('pass'),
      fail: add('fail'),
      warn: add('warn'),
      error: add('error'),
      manual: add('manual'),
      notApplicable: add('not_applicable'),
      notEvaluable: add('not_evaluable'),
      evidence: (found) => appendAll(evidence, toList(found)),
      data: (values) => {
        data = { ...data, ...values };
      },
      lowerSeverity: (lower, reason) => {
        if (SEVERITIES.indexOf(lower) < SEVERITIES.indexOf(check.severity)) {
          throw new Error(`${check.id} tried to raise its severity to ${lower}`);
        }
        severity = lower;
        severityReason = reason;
      },
    };
    await check.run(ctx, reporter);
    // A check that says nothing must not look like a pass.
    if (items.length === 0) throw new Error(`${check.id} reported no verdict`);

    const { status, message } = verdictOf(items);
    const result: CheckResult = {
      ...baseResult(check),
      severity,
      ...(severityReason ? { severityReason } : {}),
      status,
      message,
      evidence,
      ...(data ? { data } : {}),
    };
    return { result, items };
  } catch (error) {
    return { result: errorResult(check, error), items };
  }
}

export async function runChecks(checks: readonly Check[], ctx: AuditContext): Promise<CheckResult[]> {
  return Promise.all(checks.map((check) => runCheck(check, ctx)));
}
