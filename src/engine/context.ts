import { discover } from '../discovery/index.js';
import type { AuditOptions } from '../discovery/options.js';
import { loadReleasePin, type PinState } from '../discovery/release-pin.js';
import { loadSshd, type SshdFacts } from '../discovery/sshd.js';
import { loadSudoers, type SudoersFacts } from '../discovery/sudoers.js';
import type { Discovery } from '../discovery/types.js';
import { loadUserDatabase } from '../discovery/users.js';
import { type FirewallFacts, loadFirewall } from '../net/firewall/load.js';
import type { UserDatabase } from '../parsers/passwd.js';
import { DEFAULT_PIN_PATH } from '../stacks/release-pin.js';
import type { Target } from '../target/types.js';
import { lazy } from './lazy.js';
import { SecretRegistry } from './secrets.js';

export type { AuditOptions } from '../discovery/options.js';

/** Overrides of discovery, each step of which a flag can replace. */
/**
 * What a check sees: the target and the facts derived from it. Facts are computed once, on first use,
 * and shared by every check of the run.
 */
export class AuditContext {
  readonly secrets = new SecretRegistry();
  readonly users: () => Promise<UserDatabase>;
  readonly discovery: () => Promise<Discovery>;
  readonly sshd: () => Promise<SshdFacts>;
  readonly sudoers: () => Promise<SudoersFacts>;
  readonly releasePin: () => Promise<PinState>;
  /** The firewall filtering inbound traffic: the kernel's ruleset live, the files a boot loads offline. */
  readonly firewall: () => Promise<FirewallFacts>;

  constructor(
    readonly target: Target,
    readonly options: AuditOptions = {},
  ) {
    this.users = lazy(() => loadUserDatabase(target));
    this.discovery = lazy(() => discover(target, options, this.secrets));
    this.sshd = lazy(() => loadSshd(target));
    this.sudoers = lazy(() => loadSudoers(target));
    this.releasePin = lazy(() => loadReleasePin(target, options.pinFile ?? DEFAULT_PIN_PATH));
    this.firewall = lazy(() => loadFirewall(target));
  }
}
