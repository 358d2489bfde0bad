import type { Check } from '../../engine/define-check.js';
import baselineDirectives from './baseline-directives.js';
import egressRestricted from './egress-restricted.js';
import exposureScore from './exposure-score.js';
import restartPolicy from './restart-policy.js';
import unitConsistency from './unit-consistency.js';

/** The service family, in catalogue order. */
export const serviceChecks: Check[] = [
  baselineDirectives,
  exposureScore,
  unitConsistency,
  egressRestricted,
  restartPolicy,
];
