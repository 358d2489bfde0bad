// The systemd planner on the layouts decideLayout makes of the bundled example and the broken hosts: the drop-ins
// pass the real systemd-analyze, and once the other parts' effects are in place (simulated here: the new account,
// the config moved out of /home with its db_path), every control the part addresses passes.
import assert from 'node:assert/strict';
import { chmodSync, chownSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { AuditContext } from '../../../src/engine/context.js';
import { decideLayout } from '../../../src/harden/layout.js';
import { planSystemd } from '../../../src/harden/systemd/plan.js';
import type { HardenLayout, ServiceAccount } from '../../../src/harden/types.js';
import { DirectoryTarget } from '../../../src/target/directory-target.js';
import { BROKEN_HOSTS } from '../../support/harden-hosts.js';
import { materialiseExample, materialiseFiles } from '../../support/materialise.js';
import { applyChanges, CHECKS, runCheckOn } from './support.js';

const cleanups: (() => void)[] = [];
after(() => {
  for (const cleanup of cleanups) cleanup();
});

function addAccount(root: string, account: ServiceAccount | undefined): void {
  if (!account?.create) return;
  const append = (file: string, line: string) => {
    const path = join(root, file);
    writeFileSync(path, `${readFileSync(path, 'utf8')}${line}\n`);
  };
  append('etc/passwd', `${account.name}:x:${account.uid}:${account.gid}::/nonexistent:/usr/sbin/nologin`);
  append('etc/group', `${account.group}:x:${account.gid}:`);
}

/** What the accounts and configs parts do before the systemd part, reduced to what the service checks read. */
function simulateEarlierParts(root: string, layout: HardenLayout): void {
  addAccount(root, layout.signer?.account);
  addAccount(root, layout.node?.account);
  for (const service of [layout.signer, layout.node]) {
    if (!service?.configPath || !service.configTarget || service.configPath === service.configTarget) continue;
    let text = readFileSync(join(root, service.configPath), 'utf8');
    const moved = layout.signer?.dbMovedFrom;
    if (service === layout.signer && moved && layout.signer.dbPath) text = text.replace(moved, layout.signer.dbPath);
    const target = join(root, service.configTarget);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, text);
    chownSync(target, service.account?.uid ?? 0, service.account?.gid ?? 0);
    chmodSync(target, 0o600);
  }
}

const HOSTS: Record<string, () => Promise<string>> = {
  'published-guide': () => materialiseExample('published-guide'),
  ...Object.fromEntries(
    Object.entries(BROKEN_HOSTS).map(([name, spec]) => [
      name,
      async () => {
        const tree = await materialiseFiles(spec());
        return tree.root;
      },
    ]),
  ),
};

describe('planSystemd on decideLayout layouts', () => {
  for (const [name, make] of Object.entries(HOSTS)) {
    test(name, async () => {
      const root = await make();
      cleanups.push(() => rmSync(root, { recursive: true, force: true }));
      const ctx = new AuditContext(new DirectoryTarget(root, { live: false }));
      const layout = await decideLayout(ctx);
      const part = await planSystemd({ ctx, layout, options: { consoleAccess: false } });
      assert.ok(part, 'a systemd part');
      assert.deepEqual(part.errors, []);
      for (const validation of part.validations) {
        assert.ok(validation.ok, `${validation.tool} ${validation.artefact}: ${validation.detail}`);
      }
      assert.ok(part.addresses.includes('service/exposure-score'));
      simulateEarlierParts(root, layout);
      applyChanges(root, part.changes);
      for (const id of part.addresses) {
        const { result } = await runCheckOn(root, CHECKS[id]!);
        assert.equal(result.status, 'pass', `${id}: ${result.message}`);
      }
    });
  }
});
