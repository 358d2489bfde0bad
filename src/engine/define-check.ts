import type { AuditContext } from './context.js';
import type { Evidence, Severity, Threat } from './types.js';

/** Why a check does not run: the thing is absent, or the target can't tell. */
export type Applicability = true | { notApplicable: string } | { notEvaluable: string };

export type MessageData = Record<string, string | number | boolean | undefined>;

export interface Reporter<M extends string> {
  pass(messageId: M, data?: MessageData, evidence?: Evidence | Evidence[]): void;
  fail(messageId: M, data?: MessageData, evidence?: Evidence | Evidence[]): void;
  warn(messageId: M, data?: MessageData, evidence?: Evidence | Evidence[]): void;
  /**
   * Part of what the control needs could not be read or searched, and the rest may not clear it: `error` (exit 2),
   * never a warn that `--fail-on` lets pass. Unlike throwing a CheckError, the evidence reported so far is kept.
   */
  error(messageId: M, data?: MessageData, evidence?: Evidence | Evidence[]): void;
  manual(messageId: M, data?: MessageData, evidence?: Evidence | Evidence[]): void;
  notApplicable(messageId: M, data?: MessageData, evidence?: Evidence | Evidence[]): void;
  notEvaluable(messageId: M, data?: MessageData, evidence?: Evidence | Evidence[]): void;
  /** Context that supports the verdict without changing it. */
  evidence(evidence: Evidence | Evidence[]): void;
  /** Machine-readable figures of this check, carried as `data` in the JSON report. */
  data(values: Record<string, unknown>): void;
  /** Report below the default severity, with the reason (e.g. a firewall narrows an exposure). */
  lowerSeverity(severity: Severity, reason: string): void;
}

export interface CheckDefinition<M extends string = string> {
  /** `family/name`, equal to the file path under src/checks. Stable forever. */
  id: string;
  title: string;
  threats: readonly Threat[];
  severity: Severity;
  /** What is checked and why it matters, for the generated docs page. */
  description: string;
  remediation: string;
  references: readonly string[];
  /** Message templates; `{{name}}` is replaced with the reported data. */
  messages: Readonly<Record<M, string>>;
  /** Needs a live host (processes, sockets, running commands). Documentation only; applies() decides. */
  liveOnly?: boolean;
  applies?(ctx: AuditContext): Applicability | Promise<Applicability>;
  run(ctx: AuditContext, report: Reporter<M>): void | Promise<void>;
}

export interface Check<M extends string = string> extends Readonly<CheckDefinition<M>> {
  readonly family: string;
  readonly name: string;
}

// regex-ok: control ids are the tool's own, a few dozen characters.
const ID_PATTERN = /^([a-z][a-z0-9]*(?:-[a-z0-9]+)*)\/([a-z][a-z0-9]*(?:-[a-z0-9]+)*)$/;

/** Validates a control's metadata once, at load time, and freezes it. */
export function defineCheck<M extends string>(definition: CheckDefinition<M>): Check<M> {
  const match = ID_PATTERN.exec(definition.id);
  if (!match) throw new Error(`check id "${definition.id}" is not family/name in kebab-case`);
  if (definition.threats.length === 0) throw new Error(`${definition.id}: no threat`);
  if (Object.keys(definition.messages).length === 0) throw new Error(`${definition.id}: no messages`);
  for (const field of ['title', 'description', 'remediation'] as const) {
    if (!definition[field].trim()) throw new Error(`${definition.id}: empty ${field}`);
  }
  return Object.freeze({
    ...definition,
    threats: Object.freeze([...definition.threats]),
    references: Object.freeze([...definition.references]),
    messages: Object.freeze({ ...definition.messages }),
    family: match[1]!,
    name: match[2]!,
  });
}

export function formatMessage(template: string, data: MessageData = {}): string {
  return template.replace(/\{\{\s*(\w+)\s*\}\}/g, (whole, name: string) => {
    if (data[name] === undefined) throw new Error(`message placeholder ${whole} has no value`);
    return String(data[name]);
  });
}
