import type { Check } from '../../engine/define-check.js';
import baselineDirectives from './baseline-directives.js';
import egressRestricted from './egress-restricted.js';
import restartPolicy from './restart-policy.js';
import unitConsistency from './unit-consistency.js';

/** The service family, in catalogue order (service/exposure-score belongs after baseline-directives). */
export const serviceChecks: Check[] = [baselineDirectives, unitConsistency, egressRestricted, restartPolicy];
