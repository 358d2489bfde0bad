// The audit's closing line names the failures `harden` can fix from ADDRESSABLE (src/harden/planners.ts): no planner
// may claim a control outside its area's list, and every listed id is a control in the catalogue.
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { allChecks } from '../../src/checks/index.js';
import { AuditContext } from '../../src/engine/context.js';
import { buildPlan } from '../../src/harden/plan.js';
import { ADDRESSABLE } from '../../src/harden/planners.js';
import { openTarget } from '../../src/target/open.js';
import { REPO_ROOT } from '../support/cli.js';

describe('ADDRESSABLE: what each harden area may claim to fix', () => {
  test('every id is a control in the catalogue', () => {
    const ids = new Set(allChecks.map((check) => check.id));
    for (const [area, claimed] of Object.entries(ADDRESSABLE))
      for (const id of claimed) assert.ok(ids.has(id), `${area}: ${id}`);
  });

  for (const example of ['published-guide', 'docker-guide']) {
    test(`the planners on the ${example} example claim nothing outside their area's list`, async () => {
      const target = await openTarget(join(REPO_ROOT, `examples/hosts/${example}.tar`));
      const plan = await buildPlan(new AuditContext(target), { consoleAccess: false });
      let claims = 0;
      for (const part of plan.parts) {
        for (const id of part.addresses) {
          claims++;
          assert.ok(ADDRESSABLE[part.area].includes(id), `${part.area} claims ${id}, which ADDRESSABLE does not list`);
        }
      }
      if (example === 'published-guide') assert.ok(claims >= 10, `${claims} claims`);
    });
  }
});
