import type { Check } from '../engine/define-check.js';
import { binaryChecks } from './binary/index.js';
import { containerChecks } from './container/index.js';
import { identityChecks } from './identity/index.js';
import { keysChecks } from './keys/index.js';
import { osChecks } from './os/index.js';
import { practiceChecks } from './practice/index.js';
import { serviceChecks } from './service/index.js';
import { sshChecks } from './ssh/index.js';
import { topologyChecks } from './topology/index.js';

/** The catalogue: every implemented control, in report order. */
export const allChecks: readonly Check[] = [
  ...topologyChecks,
  ...identityChecks,
  ...keysChecks,
  ...serviceChecks,
  ...sshChecks,
  ...binaryChecks,
  ...containerChecks,
  ...osChecks,
  ...practiceChecks,
];
