// A fleet control: a predicate over several hosts' facts (what only a fleet view can see), with the same metadata,
// message ids and result shape as a host control, so the catalogue, the docs and the report treat both alike.
import type { HostFacts } from '../fleet/host-facts.js';
import { appendAll } from '../parsers/lists.js';
import { type CheckDefinition, defineCheck, formatMessage, type MessageData } from './define-check.js';
import { type CheckResult, type Evidence, type Status, verdictOf } from './types.js';

/** One audited host as fleet controls see it. */
export interface FleetHost {
  /** The inventory name. */
  name: string;
  /** Where it was reached (ansible_host or the name). */
  address: string;
  facts: HostFacts;
}

export interface FleetReporter<M extends string> {
  pass(messageId: M, data?: MessageData, evidence?: Evidence[]): void;
  fail(messageId: M, data?: MessageData, evidence?: Evidence[]): void;
  warn(messageId: M, data?: MessageData, evidence?: Evidence[]): void;
  notApplicable(messageId: M, data?: MessageData, evidence?: Evidence[]): void;
}

export interface FleetCheckDefinition<M extends string = string>
  extends Omit<CheckDefinition<M>, 'run' | 'applies' | 'liveOnly'> {
  run(hosts: readonly FleetHost[], report: FleetReporter<M>): void;
}

export interface FleetCheck<M extends string = string> extends Readonly<FleetCheckDefinition<M>> {
  readonly family: 'fleet';
  readonly name: string;
  readonly kind: 'fleet';
}

export function defineFleetCheck<M extends string>(definition: FleetCheckDefinition<M>): FleetCheck<M> {
  // The host-control validation (id, threats, messages, texts) applies unchanged.
  const { family, name } = defineCheck({ ...definition, run: () => {} });
  if (family !== 'fleet') throw new Error(`${definition.id}: fleet controls are in the fleet family`);
  return Object.freeze({ ...definition, family: 'fleet' as const, name, kind: 'fleet' as const });
}

/** Runs one fleet control to exactly one result; a throw is an `error` result, as for host controls. */
export function runFleetCheck(check: FleetCheck, hosts: readonly FleetHost[]): CheckResult {
  const items: { status: Status; message: string }[] = [];
  const evidence: Evidence[] = [];
  const add = (status: Status) => (messageId: string, data?: MessageData, found?: Evidence[]) => {
    const template = (check.messages as Record<string, string>)[messageId];
    if (template === undefined) throw new Error(`${check.id} reported unknown message id "${messageId}"`);
    items.push({ status, message: formatMessage(template, data) });
    appendAll(evidence, found ?? []);
  };
  const base = {
    id: check.id,
    title: check.title,
    family: check.family,
    threats: [...check.threats],
    severity: check.severity,
    remediation: check.remediation,
    references: [...check.references],
  };
  try {
    check.run(hosts, { pass: add('pass'), fail: add('fail'), warn: add('warn'), notApplicable: add('not_applicable') });
    if (items.length === 0) throw new Error(`${check.id} reported no verdict`);
  } catch (error) {
    return {
      ...base,
      status: 'error',
      message: `internal error in ${check.id}: ${(error as Error).message}`,
      evidence: [],
    };
  }
  const { status, message } = verdictOf(items);
  return { ...base, status, message, evidence };
}
