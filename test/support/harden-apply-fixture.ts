// Applies the fixture plan to the root given as argv[2], in a process of its own: the failure-injection tests kill it
// (SIGNER_OPSEC_FAILPOINT) or run it in a mount namespace with a read-only bind mount. Exit 0 applied, 2 failed.
import { applyPlan } from '../../src/harden/apply.js';
import { DirectoryTarget } from '../../src/target/directory-target.js';
import { fixturePlan } from './harden-plans.js';

const root = process.argv[2];
if (!root) {
  process.stderr.write('usage: harden-apply-fixture ROOT\n');
  process.exit(2);
}
const plan = await fixturePlan(root);
const result = await applyPlan(plan, new DirectoryTarget(root, { live: false }), { reload: false });
process.stdout.write(`${JSON.stringify(result)}\n`);
process.exit(result.status === 'applied' || result.status === 'nothing' ? 0 : 2);
