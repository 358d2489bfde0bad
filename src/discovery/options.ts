// What the operator tells the audit about the target (CLI flags): where the services and their configs are when
// discovery cannot find them alone. Lives beside discovery, which reads it; engine/context re-exports it.
import type { DockerInspectInput } from './containers.js';

export interface AuditOptions {
  signerConfig?: string;
  nodeConfig?: string;
  signerUnit?: string;
  nodeUnit?: string;
  /** The release pin inside the target (default /etc/signer-opsec/release-pins.json). */
  pinFile?: string;
  /** Containers from a `docker inspect` output file (--docker-inspect), read by the CLI. */
  dockerInspect?: DockerInspectInput;
  /**
   * Told how a long git history walk (keys/key-in-git) is going, in commits done of total: the CLI passes its progress
   * line when stderr is a terminal. Counts only.
   */
  onHistoryProgress?: (done: number, total: number) => void;
}
