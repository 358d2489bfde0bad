import type { Check } from '../../engine/define-check.js';
import securityUpdates from './security-updates.js';

/** The os family, in catalogue order. */
export const osChecks: Check[] = [securityUpdates];
