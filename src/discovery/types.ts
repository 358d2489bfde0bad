import type { NodeConfigParse } from '../parsers/node-config.js';
import type { SignerConfigParse } from '../parsers/signer-config.js';
import type { FileStat } from '../target/types.js';
import type { ComposeService } from './compose.js';
import type { LoadedUnit } from './units.js';

export type { Role } from './role.js';

/** A config file as discovery found it. Its text is never kept: only the parsed values checks need. */
export type ConfigState<P> =
  | { status: 'ok'; path: string; stat: FileStat; parsed: P }
  | { status: 'missing'; path: string; reason: string }
  | { status: 'unreadable' | 'invalid'; path: string; stat?: FileStat; reason: string; line?: number }
  | { status: 'unknown'; reason: string };

interface ServiceBase {
  /** How it was found. */
  source: 'unit' | 'well-known' | 'compose' | 'flag';
  unit?: LoadedUnit;
  /** ExecStart binary path (unit) or image (container). */
  binary?: string;
  /** Argument vector of ExecStart. */
  argv?: string[];
  container?: ComposeService;
  /** The service's user as declared (unit `User=`, compose `user:`); undefined when it would run as root by default. */
  declaredUser?: string;
  notes: string[];
}

export interface SignerService extends ServiceBase {
  role: 'signer';
  config: ConfigState<Extract<SignerConfigParse, { ok: true }>>;
}

export interface NodeService extends ServiceBase {
  role: 'node';
  config: ConfigState<Extract<NodeConfigParse, { ok: true }>>;
}

export type Service = SignerService | NodeService;

export interface Discovery {
  signer?: SignerService;
  node?: NodeService;
  /** Every signer and node container found (compose services first, then the engine's), whichever one is audited. */
  containers?: ComposeService[];
  /** What else discovery noticed: extra signers, masked units, unreadable compose files. */
  notes: string[];
  /**
   * Where a signer or node may be defined that discovery could not read (a compose file that does not parse, a
   * symlink loop). When nothing was found elsewhere, the controls that need one report an error, not N/A.
   */
  incomplete?: string[];
}
