// Every area's planner, loaded on demand. One line per area; the order of parts is HARDEN_AREAS's, not this map's.

import type { HardenArea, Planner } from './types.js';

/**
 * Every control id each area's planner may name in its part's `addresses` (the controls its changes are meant to make
 * pass). The audit's closing line reads it to say which failures `harden` can fix; test/harden/addressable.test.ts holds
 * the planners to it (a part never claims an id outside its area's list).
 */
export const ADDRESSABLE: Readonly<Record<HardenArea, readonly string[]>> = {
  accounts: ['identity/signer-not-root', 'identity/separate-service-users', 'identity/signer-user-unprivileged'],
  configs: ['topology/signer-endpoint-exposure', 'topology/metrics-endpoint-local', 'keys/auth-token-strength'],
  permissions: [
    'keys/signer-config-permissions',
    'keys/node-config-permissions',
    'identity/config-owner',
    'keys/signer-db-permissions',
    'binary/not-writable-by-service',
  ],
  systemd: [
    'service/baseline-directives',
    'service/restart-policy',
    'service/exposure-score',
    'service/egress-restricted',
    'identity/signer-not-root',
    'service/unit-consistency',
  ],
  sshd: ['ssh/password-authentication', 'ssh/root-login'],
  firewall: ['topology/inbound-firewall'],
};

export const PLANNERS: Partial<Record<HardenArea, () => Promise<Planner>>> = {
  accounts: async () => (await import('./accounts/plan.js')).planAccounts,
  configs: async () => (await import('./configs/plan.js')).planConfigs,
  permissions: async () => (await import('./permissions/plan.js')).planPermissions,
  systemd: async () => (await import('./systemd/plan.js')).planSystemd,
  sshd: async () => (await import('./sshd/plan.js')).planSshd,
  firewall: async () => (await import('./firewall/plan.js')).planFirewall,
};
