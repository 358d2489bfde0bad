// What the fleet controls compare across hosts, taken from one host's audit: public keys, fingerprints (slow digests
// for guessable secrets) and addresses. No secret value leaves this module.

import { createHash } from 'node:crypto';
import { bytesToHex } from '@noble/hashes/utils.js';
import type { AuditContext } from '../engine/context.js';
import type { AuditReport } from '../report/types.js';
import { slowDigestHexAsync } from '../stacks/fingerprint.js';
import { compressedPublicKey, parsePrivateKeyHexLenient } from '../stacks/keys.js';

/** A secret named for comparison: equal digests mean equal values; `fingerprint` is what a report may show. */
export interface SecretName {
  /** Where it was read (a path inside the host). */
  file: string;
  /** The 8-hex fingerprint the single-host reports print for it. */
  fingerprint: string;
  /** Full digest for the comparison (SHA-256 for a key, scrypt for a guessable value); never printed. */
  digest: string;
}

export interface HostFacts {
  /** The signer's compressed public key (hex) and its key's fingerprint, when the config holds a valid key. */
  signerKey?: SecretName & { publicKey: string };
  /** Signer auth_password, node auth_token / block_proposal_token. */
  tokens: (SecretName & { kind: 'auth_password' | 'auth_token' | 'block_proposal_token' })[];
  bitcoindPassword?: SecretName;
  /** The signer's node_host as written (host:port). */
  nodeHost?: string;
  /** The signer version the audit found (binary/supported-version). */
  signerVersion?: string;
  /** Whether that version is below the supported floor or known bad (the control failed). */
  signerVersionUnsupported?: boolean;
  /** Status of every control on this host. */
  status: Record<string, string>;
  /** Critical controls that failed on this host (id → message). */
  criticalFailures: Record<string, string>;
}

function keyName(file: string, hex: string): HostFacts['signerKey'] | undefined {
  const parsed = parsePrivateKeyHexLenient(hex);
  if (!parsed.ok) return undefined;
  const bytes = Uint8Array.from(parsed.bytes);
  const digest = createHash('sha256').update(bytes).digest('hex');
  return { file, fingerprint: digest.slice(0, 8), digest, publicKey: bytesToHex(compressedPublicKey(bytes)) };
}

/**
 * On libuv's thread pool: scrypt takes ~100 ms a value, and a fleet digests a few per host while other hosts' audits
 * wait on the event loop (synchronous, it was a fifth of a fleet run's CPU time, all on the one JS thread).
 */
async function secretName(file: string, value: string | undefined): Promise<SecretName | undefined> {
  if (value === undefined || value.trim() === '') return undefined;
  const digest = await slowDigestHexAsync(value);
  // guessableFingerprint's 8 hex: the single-host reports' fingerprint of the same value.
  return { file, fingerprint: digest.slice(0, 8), digest };
}

export async function hostFacts(context: AuditContext, report: AuditReport): Promise<HostFacts> {
  const discovery = await context.discovery();
  const status = Object.fromEntries(report.results.map((result) => [result.id, result.status]));
  const criticalFailures = Object.fromEntries(
    report.results
      .filter((result) => result.status === 'fail' && result.severity === 'critical')
      .map((result) => [result.id, result.message]),
  );
  const facts: HostFacts = { tokens: [], status, criticalFailures };
  const signer = discovery.signer?.config;
  if (signer?.status === 'ok') {
    const config = signer.parsed.config;
    const key = config.stacksPrivateKey === undefined ? undefined : keyName(signer.path, config.stacksPrivateKey);
    if (key) facts.signerKey = key;
    const password = await secretName(signer.path, config.authPassword);
    if (password) facts.tokens.push({ ...password, kind: 'auth_password' });
    if (config.nodeHost) facts.nodeHost = config.nodeHost;
  }
  const node = discovery.node?.config;
  if (node?.status === 'ok') {
    const config = node.parsed.config;
    const [token, legacy, bitcoind] = await Promise.all([
      secretName(node.path, config.connectionOptions.authToken),
      secretName(node.path, config.connectionOptions.blockProposalToken),
      secretName(node.path, config.burnchain.password),
    ]);
    if (token) facts.tokens.push({ ...token, kind: 'auth_token' });
    if (legacy) facts.tokens.push({ ...legacy, kind: 'block_proposal_token' });
    if (bitcoind) facts.bitcoindPassword = bitcoind;
  }
  const version = report.results.find((result) => result.id === 'binary/supported-version');
  if (typeof version?.data?.version === 'string') {
    facts.signerVersion = version.data.version;
    facts.signerVersionUnsupported = version.status === 'fail';
  }
  return facts;
}
