// An empty part of a plan, for a planner to fill: every list starts empty.
import type { HardenArea, PlanPart } from './types.js';

export function newPart(area: HardenArea, summary: string): PlanPart {
  return {
    area,
    summary,
    changes: [],
    reloads: [],
    rollbackReloads: [],
    addresses: [],
    notes: [],
    validations: [],
    refusals: [],
    errors: [],
  };
}
