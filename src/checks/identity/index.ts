import type { Check } from '../../engine/define-check.js';
import configOwner from './config-owner.js';
import separateServiceUsers from './separate-service-users.js';
import signerNotRoot from './signer-not-root.js';
import signerUserUnprivileged from './signer-user-unprivileged.js';

/** The identity family, in catalogue order. */
export const identityChecks: Check[] = [signerNotRoot, separateServiceUsers, signerUserUnprivileged, configOwner];
