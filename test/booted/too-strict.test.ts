// The stand-ins tell a working hardening from a broken one: on the booted hardened host (whose signer runs), a
// drop-in that goes too far must stop the signer, with the reason in its journal. Restart=no in each drop-in lets the
// failure be read at once instead of through the unit's restart loop.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { liveAudit } from '../support/booted-audit.js';
import { type BootedHost, bootHost } from '../support/booted-host.js';
import { journalOf, journals, restartAll, serviceStates } from './services.js';

const SIGNER = 'stacks-signer.service';
const DROP_IN = '/etc/systemd/system/stacks-signer.service.d/zz-too-strict.conf';

interface TooStrict {
  name: string;
  directives: string[];
  /** What the stand-in says when it stops. */
  failure: RegExp;
  /** Enforced by cgroup BPF, which a host may lack: then the audit must say so (service/egress-restricted warns). */
  needsBpf?: boolean;
}

const CASES: TooStrict[] = [
  {
    name: "ProtectSystem=strict without the database's ReadWritePaths",
    directives: ['ProtectSystem=strict', 'ReadWritePaths=', 'StateDirectory='],
    failure: /cannot write db_path \/var\/lib\/stacks-signer\/signer\.sqlite: Read-only file system/,
  },
  {
    name: "IPAddressDeny=any without the node's address",
    directives: ['IPAddressDeny=any', 'IPAddressAllow='],
    failure: /cannot reach node_host 127\.0\.0\.1:20443: Operation not permitted/,
    needsBpf: true,
  },
  {
    name: 'RestrictAddressFamilies=AF_UNIX',
    directives: ['RestrictAddressFamilies=', 'RestrictAddressFamilies=AF_UNIX'],
    failure: /cannot bind endpoint 127\.0\.0\.1:30000: Address family not supported by protocol/,
  },
];

async function writeDropIn(host: BootedHost, directives: readonly string[] | undefined): Promise<void> {
  const result = directives
    ? await host.exec('sh', ['-c', 'mkdir -p "$(dirname "$0")" && cat > "$0"', DROP_IN], {
        input: `[Service]\nRestart=no\n${directives.join('\n')}\n`,
      })
    : await host.exec('rm', ['-f', DROP_IN]);
  assert.equal(result.code, 0, result.stderr);
  assert.equal((await host.exec('systemctl', ['daemon-reload'])).code, 0);
}

describe('too-strict drop-ins stop the stand-in signer (booted hardened host)', { timeout: 900_000 }, () => {
  let host: BootedHost;
  /** What the live audit says of the deployed unit's IPAddressDeny=any: pass (enforced) or warn (may not be). */
  let egress: { status: string; message?: string } | undefined;

  before(async () => {
    host = await bootHost({ example: 'hardened' });
    egress = (await liveAudit(host)).results.get('service/egress-restricted');
  });
  after(async () => {
    await host?.stop();
  });

  it('as deployed, the signer runs', async () => {
    const states = await restartAll(host);
    assert.deepEqual(
      states.map((s) => s.state),
      ['active', 'active'],
      await journals(host),
    );
  });

  for (const tooStrict of CASES) {
    it(tooStrict.name, async (t) => {
      await writeDropIn(host, tooStrict.directives);
      try {
        const [, signer] = await restartAll(host);
        const journal = await journalOf(host, SIGNER);
        if (tooStrict.needsBpf && signer?.state === 'active') {
          // Not enforced on this host: the test says so, and the audit must have said so too.
          assert.equal(
            egress?.status,
            'warn',
            `the signer ran under ${tooStrict.name}, yet the audit said: ${egress?.message}`,
          );
          t.diagnostic(
            `${tooStrict.name}: NOT enforced on this host, the signer keeps running; audit: ${egress?.message}`,
          );
          return;
        }
        assert.equal(signer?.state, 'failed', journal);
        assert.match(journal, tooStrict.failure);
      } finally {
        await writeDropIn(host, undefined);
      }
      // The control: without the drop-in, the same signer runs again.
      const states = await restartAll(host);
      assert.deepEqual(
        states.map((s) => s.state),
        ['active', 'active'],
        await journals(host),
      );
      assert.deepEqual(await serviceStates(host, [SIGNER]), [{ unit: SIGNER, state: 'active' }]);
    });
  }
});
