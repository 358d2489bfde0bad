// Every area's planner, loaded on demand. One line per area; the order of parts is HARDEN_AREAS's, not this map's.

import type { HardenArea, Planner } from './types.js';

export const PLANNERS: Partial<Record<HardenArea, () => Promise<Planner>>> = {
  accounts: async () => (await import('./accounts/plan.js')).planAccounts,
  configs: async () => (await import('./configs/plan.js')).planConfigs,
  permissions: async () => (await import('./permissions/plan.js')).planPermissions,
  systemd: async () => (await import('./systemd/plan.js')).planSystemd,
  sshd: async () => (await import('./sshd/plan.js')).planSshd,
  firewall: async () => (await import('./firewall/plan.js')).planFirewall,
};
