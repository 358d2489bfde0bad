import type { FleetCheck } from '../../engine/define-fleet-check.js';
import duplicateSignerKey from './duplicate-signer-key.js';
import nodeHostExposed from './node-host-exposed.js';
import sharedSecrets from './shared-secrets.js';
import versionSkew from './version-skew.js';

/** Controls evaluated across the hosts of an inventory, after each host's own audit. */
export const fleetChecks: readonly FleetCheck[] = [duplicateSignerKey, sharedSecrets, nodeHostExposed, versionSkew];
