// `signer-opsec threat`: how concentrated this cycle's signer weight is, and where the operator's own key stands
// (stake-threshold threat; stacks-facts.md §7).

import { bytesToHex } from '@noble/hashes/utils.js';
import { readOptionFile } from '../fs/read-user-file.js';
import { HttpGetError } from '../net/http-get.js';
import { fetchStackerSet, MAX_CYCLE, NodeRpcError } from '../net/stacker-set-rpc.js';
import { parseSignerConfig } from '../parsers/signer-config.js';
import { buildThreatReport, formatThreatJson, formatThreatText, type ThreatSource } from '../report/threat.js';
import { formatThreatPrometheus } from '../report/threat-prometheus.js';
import { compressedPublicKey, parsePrivateKeyHex } from '../stacks/keys.js';
import { type OperatorMap, parseOperatorMap } from '../stacks/operators.js';
import { normalisePublicKey, parseStackerSet, type StackerSet, StackerSetError } from '../stacks/signer-set.js';
import { analyseThreat, type StandAlone } from '../stacks/threat-analysis.js';
import type { Parsed, THREAT_OPTIONS } from './options.js';
import { UsageError } from './usage-error.js';
import { toolVersion } from './version.js';
import { writeFileAtomic } from './write-output.js';

function readInput(path: string, option: '--config' | '--stacker-set' | '--operators'): string {
  return readOptionFile(option, path);
}

function parseCycle(text: string | undefined): number {
  if (text === undefined) throw new UsageError('--node needs --cycle N (the reward cycle to read)');
  if (!/^[0-9]{1,10}$/.test(text) || Number(text) > MAX_CYCLE)
    throw new UsageError(`--cycle ${text}: expected a reward cycle number (0–${MAX_CYCLE})`);
  return Number(text);
}

function parseTimeoutMs(text: string): number {
  const seconds = Number(text);
  if (!/^[0-9]+(\.[0-9]+)?$/.test(text) || !(seconds > 0) || seconds > 600)
    throw new UsageError(`--timeout ${text}: expected seconds, above 0 and at most 600`);
  return Math.round(seconds * 1000);
}

function parseNodeUrl(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new UsageError(`--node ${text}: expected a URL such as http://127.0.0.1:20443`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    throw new UsageError(`--node ${text}: expected an http:// or https:// URL`);
  // Credentials would end up in messages and reports; the endpoint needs none.
  if (url.username || url.password) throw new UsageError('--node: the URL must not contain a user name or password');
  if (url.search || url.hash) throw new UsageError(`--node ${text}: expected the node's base URL, without ? or #`);
  return url;
}

/** Percent as an exact ratio: "2.5" → 25/1000. */
function parsePercent(text: string): { numerator: bigint; denominator: bigint } {
  const match = /^([0-9]{1,3})(?:\.([0-9]{1,6}))?$/.exec(text);
  if (!match || Number(text) > 100) throw new UsageError(`--fail-if-me-above ${text}: expected a percentage, 0–100`);
  const fraction = match[2] ?? '';
  return { numerator: BigInt(match[1]! + fraction), denominator: 100n * 10n ** BigInt(fraction.length) };
}

/** The operator's public key from its signer config; nothing about the private key leaves this function. */
function keyFromSignerConfig(path: string): string {
  const parsed = parseSignerConfig(readInput(path, '--config'));
  if (!parsed.ok)
    throw new UsageError(`${path}${parsed.error.line ? `:${parsed.error.line}` : ''}: ${parsed.error.message}`);
  const raw = parsed.config.stacksPrivateKey;
  if (raw === undefined) throw new UsageError(`${path}: no stacks_private_key in the signer config`);
  const key = parsePrivateKeyHex(raw);
  const line = parsed.lineOf('stacks_private_key');
  if (!key.ok) throw new UsageError(`${path}${line ? `:${line}` : ''}: stacks_private_key: ${key.message}`);
  return bytesToHex(compressedPublicKey(key.bytes));
}

function myKeys(values: { me?: string[]; config?: string }): string[] {
  const keys: string[] = [];
  for (const text of (values.me ?? []).flatMap((value) => value.split(','))) {
    const key = normalisePublicKey(text.trim());
    // The value is not echoed: a mistaken --me may be the private key itself.
    if (key === undefined)
      throw new UsageError(
        /^(0x)?[0-9a-f]{64}(01)?$/i.test(text.trim())
          ? '--me: that looks like a private key, not a public key; never pass a private key on a command line'
          : '--me: expected a 33-byte compressed public key (02/03 + 64 hex digits)',
      );
    keys.push(key);
  }
  if (values.config) keys.push(keyFromSignerConfig(values.config));
  return [...new Set(keys)];
}

async function loadSet(values: {
  'stacker-set'?: string;
  node?: string;
  cycle?: string;
  timeout: string;
}): Promise<{ set: StackerSet; source: ThreatSource }> {
  const file = values['stacker-set'];
  if ((file === undefined) === (values.node === undefined))
    throw new UsageError('give either --stacker-set FILE or --node URL --cycle N');
  if (file !== undefined) {
    if (values.cycle !== undefined) throw new UsageError('--cycle goes with --node, not --stacker-set');
    try {
      return { set: parseStackerSet(readInput(file, '--stacker-set')), source: { kind: 'file', path: file } };
    } catch (error) {
      if (error instanceof StackerSetError) throw new UsageError(`${file}: ${error.message}`);
      throw error;
    }
  }
  const node = parseNodeUrl(values.node!);
  const cycle = parseCycle(values.cycle);
  try {
    const fetched = await fetchStackerSet(node, cycle, { timeoutMs: parseTimeoutMs(values.timeout) });
    return { set: fetched.set, source: { kind: 'node', url: fetched.url, cycle } };
  } catch (error) {
    if (error instanceof HttpGetError || error instanceof NodeRpcError) throw new UsageError(error.message);
    throw error;
  }
}

/** `audit --inventory` with --stacker-set FILE or --node URL --cycle N: the same loader and the same errors. */
export async function loadStackerSetForFleet(flags: {
  'stacker-set'?: string;
  node?: string;
  cycle?: string;
}): Promise<{ set: StackerSet; source: string; cycle?: number } | undefined> {
  if (flags['stacker-set'] === undefined && flags.node === undefined) {
    if (flags.cycle !== undefined) throw new UsageError('--cycle goes with --node');
    return undefined;
  }
  const { set, source } = await loadSet({ ...flags, timeout: '10' });
  return source.kind === 'file' ? { set, source: source.path } : { set, source: source.url, cycle: source.cycle };
}

function loadOperators(path: string | undefined): OperatorMap | undefined {
  if (path === undefined) return undefined;
  try {
    return parseOperatorMap(readInput(path, '--operators'));
  } catch (error) {
    if (error instanceof StackerSetError) throw new UsageError(`${path}: ${error.message}`);
    throw error;
  }
}

function exceeds(
  position: StandAlone,
  totalWeight: number,
  limit: { numerator: bigint; denominator: bigint },
): boolean {
  // weight / total > numerator / denominator, in integers.
  return BigInt(position.weight) * limit.denominator > limit.numerator * BigInt(totalWeight);
}

export async function threat({ values }: Parsed<typeof THREAT_OPTIONS>): Promise<number> {
  if (values.format !== 'text' && values.format !== 'json' && values.format !== 'prometheus')
    throw new UsageError(`--format ${values.format}: expected text, json or prometheus`);
  const keys = myKeys(values);
  const limitText = values['fail-if-me-above'];
  const limit = limitText === undefined ? undefined : parsePercent(limitText);
  if (limit && keys.length === 0) throw new UsageError('--fail-if-me-above needs --me PUBKEY or --config FILE');
  const operators = loadOperators(values.operators);
  const { set, source } = await loadSet(values);

  const analysis = analyseThreat(set, { ...(operators ? { operators } : {}), myKeys: keys });
  const report = buildThreatReport(analysis, source, toolVersion());
  const text =
    values.format === 'json'
      ? formatThreatJson(report)
      : values.format === 'prometheus'
        ? formatThreatPrometheus(report)
        : formatThreatText(report);
  if (values.output) writeFileAtomic(values.output, text);
  else process.stdout.write(text);

  if (limit && analysis.me) {
    const subject = analysis.me.operator ?? analysis.me;
    const total = analysis.me.operator ? analysis.operators!.figures.totalWeight : analysis.signers.figures.totalWeight;
    if (exceeds(subject, total, limit)) {
      const who = analysis.me.operator ? 'your operator holds' : 'your signer weight is';
      process.stderr.write(
        `signer-opsec: ${who} ${((subject.weight / total) * 100).toFixed(2)}% of the weight, above --fail-if-me-above ${limitText}\n`,
      );
      return 1;
    }
  }
  return 0;
}
