// Live audit = offline audit, on booted hosts: each example host and each of the harden tests' broken hosts boots
// under systemd, its services are started, and signer-opsec audits it from inside (processes, sockets, `sshd -T`,
// `nft -j`) and from outside (`--root` on the same tree). Every control both can evaluate must agree; the live-only
// controls must reach a real verdict.
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { LIVE_ONLY, liveAudit, offlineAudit, verdictDifferences } from '../support/booted-audit.js';
import { type BootOptions, bootHost } from '../support/booted-host.js';
import { BROKEN_HOSTS } from '../support/harden-hosts.js';
import { signerExposure, startServices } from './services.js';

const HOSTS: Record<string, BootOptions> = {
  'published-guide': { example: 'published-guide' },
  hardened: { example: 'hardened' },
  'docker-guide': { example: 'docker-guide' },
  ...Object.fromEntries(Object.entries(BROKEN_HOSTS).map(([name, spec]) => [name, { files: spec() }])),
};

describe('live audit on a booted host = offline audit of its tree', { concurrency: 2 }, () => {
  for (const [name, options] of Object.entries(HOSTS)) {
    // 18–190 s per host measured two at a time at a load average of ~18 (README "Testing").
    it(name, { timeout: 1_800_000 }, async (t) => {
      const host = await bootHost(options);
      try {
        t.diagnostic(`${name}: booted in ${host.bootSeconds.toFixed(1)} s`);
        const services = await startServices(host);
        t.diagnostic(`${name}: ${services.map((s) => `${s.unit} ${s.state}`).join(', ') || 'no stacks units'}`);
        // Audited once: a child of the live audit (sshd -T, stacks-signer --version) that came back empty under load
        // was the runner dropping its output at the deadline, fixed in src/target/run-program.ts.
        const live = await liveAudit(host);
        const offline = await offlineAudit(host.root);
        assert.deepEqual(verdictDifferences(live, offline), [], `${name}: live and offline verdicts differ`);
        for (const id of LIVE_ONLY) {
          const result = live.results.get(id);
          assert.ok(result, `${name}: ${id} missing from the live report`);
          assert.ok(
            !['not_evaluable', 'error'].includes(result.status),
            `${name}: ${id} is ${result.status} live: ${result.message}`,
          );
          t.diagnostic(`${name}: ${id} live ${result.status} / offline ${offline.results.get(id)?.status}`);
        }
        // The stand-in answers --version as 4.0.2 does, run by the audit as nobody.
        assert.equal(live.results.get('binary/supported-version')!.status, 'pass', `${name}: supported-version`);
        const score = await signerExposure(host);
        if (score !== undefined) t.diagnostic(`${name}: live systemd-analyze security stacks-signer.service ${score}`);
      } finally {
        await host.stop();
      }
    });
  }
});
