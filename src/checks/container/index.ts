import type { Check } from '../../engine/define-check.js';
import hardening from './hardening.js';

/** The container family, in catalogue order. */
export const containerChecks: Check[] = [hardening];
