// Waiver files, modelled on InSpec's (https://docs.chef.io/inspec/waivers/): a YAML map from control id to
// { justification (required), expires (YYYY-MM-DD), hosts (glob), run (default true) }. Pure: text in, waivers or
// one error with its line out.
import { isMap, isScalar, LineCounter, type Scalar, type YAMLMap } from 'yaml';
import { limitWords, PARSE_LIMITS, yamlEntriesBound } from './parse-limits.js';
import { yamlShapeProblem } from './yaml-depth.js';
import { firstDuplicateKey, parseYamlDocument, YamlStackError } from './yaml-document.js';

export interface Waiver {
  id: string;
  justification: string;
  /** YYYY-MM-DD, the last day the waiver applies (UTC). */
  expires?: string;
  /** A glob over host names (`*`, `?`, `[...]`); absent: every host. */
  hosts?: string;
  /** false: the control is not run at all while the waiver applies. */
  run: boolean;
  line: number;
}

export class WaiverFileError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(message);
  }
}

const FIELDS = new Set(['justification', 'expires', 'hosts', 'run']);

/** A real calendar day: 2026-02-30 is refused, not rolled over to March. */
export function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const date = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return date.toISOString().slice(0, 10) === text;
}

function lineOf(counter: LineCounter, node: { range?: [number, number, number] | null } | null | undefined): number {
  return node?.range ? counter.linePos(node.range[0]).line : 1;
}

function scalarText(node: unknown): string | undefined {
  if (!isScalar(node)) return undefined;
  const value = (node as Scalar).value;
  return typeof value === 'string' ? value : undefined;
}

/**
 * Parses a waivers file. `knownIds` is the catalogue: a waiver for a control that does not exist is a mistake
 * (a typo would otherwise waive nothing, silently). Throws WaiverFileError with the line of the first problem.
 */
export function parseWaivers(text: string, knownIds: ReadonlySet<string>): Waiver[] {
  // Before the library recurses (src/parsers/yaml-depth.ts): a waivers file is a short flat map.
  const shape = yamlShapeProblem(text, PARSE_LIMITS.waiversYaml.maxDepth);
  if (shape?.kind === 'depth') throw new WaiverFileError(shape.line, 'nested too deeply to be a waivers file');
  if (shape) throw new WaiverFileError(shape.line, 'not valid YAML (two mapping keys on one line)');
  // A bound on the entries before the library parses (a waivers file holds tens of them).
  const overLimit = yamlEntriesBound(text, PARSE_LIMITS.waiversYaml);
  if (overLimit) throw new WaiverFileError(overLimit.line ?? 1, `${limitWords(overLimit)}; not read`);
  const counter = new LineCounter();
  // The core schema (YAML 1.2) keeps 2027-01-31 a string; a repeated key (a control waived twice) is refused below
  // (src/parsers/yaml-document.ts).
  let document: ReturnType<typeof parseYamlDocument>;
  try {
    document = parseYamlDocument(text, { lineCounter: counter });
  } catch (error) {
    if (error instanceof YamlStackError) throw new WaiverFileError(error.line, `not valid YAML (${error.message})`);
    throw error;
  }
  const problem = document.errors[0];
  const duplicate = firstDuplicateKey(document.contents);
  if (duplicate !== undefined && (problem === undefined || duplicate < problem.pos[0]))
    throw new WaiverFileError(counter.linePos(duplicate).line, 'not valid YAML (DUPLICATE_KEY)');
  if (problem) {
    const line = counter.linePos(problem.pos[0]).line;
    throw new WaiverFileError(line, `not valid YAML (${problem.code})`);
  }
  const root = document.contents;
  if (root === null || (isScalar(root) && (root.value === null || root.value === ''))) return [];
  if (!isMap(root)) throw new WaiverFileError(lineOf(counter, root), 'expected a map of control ids to waivers');
  const waivers: Waiver[] = [];
  for (const pair of (root as YAMLMap).items) {
    const line = lineOf(counter, pair.key as Scalar);
    const id = scalarText(pair.key);
    if (id === undefined)
      throw new WaiverFileError(line, 'a waiver key must be a control id such as ssh/non-standard-port');
    if (!knownIds.has(id)) throw new WaiverFileError(line, `"${id}" is not a control id (see "signer-opsec checks")`);
    if (!isMap(pair.value)) throw new WaiverFileError(line, `${id}: expected justification, expires, hosts, run`);
    const fields = new Map<string, { node: unknown; line: number }>();
    for (const field of (pair.value as YAMLMap).items) {
      const name = scalarText(field.key);
      const fieldLine = lineOf(counter, field.key as Scalar);
      if (name === undefined || !FIELDS.has(name))
        throw new WaiverFileError(
          fieldLine,
          `${id}: unknown field ${name ?? ''} (expected justification, expires, hosts, run)`,
        );
      fields.set(name, { node: field.value, line: fieldLine });
    }
    const justification = fields.get('justification');
    const justificationText = justification && scalarText(justification.node)?.trim();
    if (!justificationText)
      throw new WaiverFileError(
        justification?.line ?? line,
        `${id}: a waiver needs a justification (why the risk is accepted)`,
      );
    const waiver: Waiver = { id, justification: justificationText, run: true, line };
    const expires = fields.get('expires');
    if (expires) {
      // An unquoted date stays a string in YAML 1.2; a number or anything else is not a date.
      const value = scalarText(expires.node);
      if (value === undefined || !isCalendarDate(value))
        throw new WaiverFileError(expires.line, `${id}: expires must be a date written YYYY-MM-DD`);
      waiver.expires = value;
    }
    const hosts = fields.get('hosts');
    if (hosts) {
      const value = scalarText(hosts.node)?.trim();
      if (!value) throw new WaiverFileError(hosts.line, `${id}: hosts must be a host name glob such as "signer-*"`);
      waiver.hosts = value;
    }
    const run = fields.get('run');
    if (run) {
      const value = isScalar(run.node) ? (run.node as Scalar).value : undefined;
      if (typeof value !== 'boolean') throw new WaiverFileError(run.line, `${id}: run must be true or false`);
      waiver.run = value;
    }
    waivers.push(waiver);
  }
  return waivers;
}

// Kept beside the waiver parser for its callers; it lives apart so the report can match hosts without loading yaml.
export { hostMatches } from './host-glob.js';
