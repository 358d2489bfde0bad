import type { Check } from '../../engine/define-check.js';
import authTokenStrength from './auth-token-strength.js';
import keyCopiesOnHost from './key-copies-on-host.js';
import keyFormat from './key-format.js';
import keyInGit from './key-in-git.js';
import knownPublicKey from './known-public-key.js';
import nodeConfigPermissions from './node-config-permissions.js';
import secretsInEnvironment from './secrets-in-environment.js';
import signerConfigPermissions from './signer-config-permissions.js';
import signerDbPermissions from './signer-db-permissions.js';

/** The keys family, in catalogue order. */
export const keysChecks: Check[] = [
  signerConfigPermissions,
  nodeConfigPermissions,
  keyFormat,
  knownPublicKey,
  authTokenStrength,
  secretsInEnvironment,
  signerDbPermissions,
  keyCopiesOnHost,
  keyInGit,
];
