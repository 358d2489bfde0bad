// The invariants every fuzz case must keep, shared by the parser targets, the host runs and the regression replay:
// no exception but the parser's own typed errors, no case over the time limit, no planted secret in any message.
import { PLANTED_SECRETS } from './mutate.js';

/**
 * Per input: the CPU time this process spends on it (all its threads, so the parser and its garbage collection), not
 * the wall time, which on the suite's loaded 2-core machine (load average ~20) is ten times the work and made the
 * suite fail on linear inputs. A property of the fuzzer (every input is linear to parse), not a timed unit test;
 * SIGNER_OPSEC_FUZZ_CASE_MS changes it.
 */
export const CASE_LIMIT_MS = Number(process.env.SIGNER_OPSEC_FUZZ_CASE_MS ?? 2000);
/** A case that waits rather than works (a hang on I/O uses no CPU) is caught by its wall time, far above any load. */
export const CASE_WALL_LIMIT_MS = 30 * CASE_LIMIT_MS;

export type ViolationKind = 'crash' | 'slow' | 'leak' | 'schema';

/** A broken invariant: fast-check reports it with the seed and path that replay it. */
export class FuzzViolation extends Error {
  constructor(
    readonly kind: ViolationKind,
    detail: string,
  ) {
    super(`${kind}: ${detail}`);
    this.name = 'FuzzViolation';
  }
}

const MESSAGE_KEYS = /^(message|messages|reason|problem|problems|error|errors|warning|warnings|blockers|unreadable)$/i;
const MAX_NODES = 500_000;

/** Every string held under a message-like key (problems, errors, reasons…), anywhere in a parser's result. */
export function messagesOf(value: unknown): string[] {
  const found: string[] = [];
  let visited = 0;
  const walk = (node: unknown, collecting: boolean, depth: number): void => {
    visited += 1;
    if (visited > MAX_NODES || depth > 64) return;
    if (typeof node === 'string') {
      if (collecting) found.push(node);
      return;
    }
    if (node === null || typeof node !== 'object') return;
    if (node instanceof Map) {
      for (const item of node.values()) walk(item, collecting, depth + 1);
      return;
    }
    if (Array.isArray(node)) {
      for (const item of node) walk(item, collecting, depth + 1);
      return;
    }
    if (Buffer.isBuffer(node) || ArrayBuffer.isView(node)) return;
    // for…in, not Object.entries: this walk runs on every fuzz case's whole result, and the pairs it allocated made
    // it a tenth of a long run's CPU (more than generating and mutating the input).
    const record = node as Record<string, unknown>;
    for (const key in record)
      if (Object.hasOwn(record, key)) walk(record[key], collecting || MESSAGE_KEYS.test(key), depth + 1);
  };
  walk(value, false, 0);
  return found;
}

/** The first secret (planted, or one of `more`) that `texts` contain, if any. */
export function leakedSecret(
  texts: readonly string[],
  more: readonly string[] = [],
  planted = true,
): string | undefined {
  const secrets = [...(planted ? PLANTED_SECRETS : []), ...more];
  for (const text of texts) for (const secret of secrets) if (text.includes(secret)) return secret;
  return undefined;
}

export function describeError(error: unknown): string {
  if (error instanceof Error)
    return `${error.name}: ${error.message.slice(0, 300)}\n${error.stack?.split('\n').slice(1, 6).join('\n')}`;
  return String(error).slice(0, 300);
}

/**
 * What the per-case limit measures. `cpu` (the default): the CPU time this process spent on the case, so waiting for
 * the scheduler on a loaded machine is not counted as the parser's cost; a host case's child processes (sshd -T,
 * nft) are not in it. `wall` (SIGNER_OPSEC_FUZZ_CLOCK=wall): the time the case took, on an idle machine.
 */
export const CASE_CLOCK: 'wall' | 'cpu' = process.env.SIGNER_OPSEC_FUZZ_CLOCK === 'wall' ? 'wall' : 'cpu';

function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/** Times `work`; a case over the limit (by CASE_CLOCK), or over the wall limit, is a violation even if it finished. */
export async function timed<T>(
  what: string,
  work: () => T | Promise<T>,
  clock: 'wall' | 'cpu' = CASE_CLOCK,
): Promise<{ value: T; ms: number; wallMs: number }> {
  const started = performance.now();
  const cpuStarted = cpuMs();
  const value = await work();
  const wallMs = performance.now() - started;
  const ms = clock === 'cpu' ? cpuMs() - cpuStarted : wallMs;
  if (ms > CASE_LIMIT_MS)
    throw new FuzzViolation(
      'slow',
      `${what} took ${Math.round(ms)} ms${clock === 'cpu' ? ' of CPU' : ''} (limit ${CASE_LIMIT_MS} ms)`,
    );
  if (wallMs > CASE_WALL_LIMIT_MS)
    throw new FuzzViolation('slow', `${what} took ${Math.round(wallMs)} ms (wall limit ${CASE_WALL_LIMIT_MS} ms)`);
  return { value, ms, wallMs };
}
