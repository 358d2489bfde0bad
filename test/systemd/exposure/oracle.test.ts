// Property test: the exposure model against `systemd-analyze security --offline=true` of the host's systemd 252 on
// generated units (every weighted directive varied, drop-ins with overrides and resets, values in every spelling).
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { test } from 'node:test';
import { mergeUnit } from '../../../src/parsers/systemd-unit.js';
import { scoreUnit } from '../../../src/systemd/exposure/score.js';
import { BOOLEAN_SETTINGS, UnitNotLoadable } from '../../../src/systemd/exposure/security-info.js';
import { type FileSpec, materialiseExample, materialiseFiles } from '../../support/materialise.js';
import { analyzeSecurity } from '../../support/systemd-analyze.js';

const SEED = Number(process.env.EXPOSURE_SEED ?? 20240252);
const UNITS = 320;
const BATCH = 40;
const UNIT_DIR = 'etc/systemd/system';

/** mulberry32: small, seedable, good enough to pick settings. */
function prng(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const BOOLEANS = ['yes', 'no', 'true', 'false', 'on', 'off', '1', '0', 'y', 'n', 't', 'f', 'YES', 'False', '', 'maybe'];
const BOOLEAN_KEYS = [...BOOLEAN_SETTINGS, 'DynamicUser'];

/** Each [Service] directive with the values (in their accepted spellings, resets and mistakes) to draw from. */
const VALUES: Record<string, readonly string[]> = {
  ...Object.fromEntries(BOOLEAN_KEYS.map((key) => [key, BOOLEANS])),
  User: ['stacks', 'stacks-signer', 'root', '0', 'nobody', '1000', ''],
  SupplementaryGroups: ['', 'adm', 'docker sudo', 'stacks'],
  CapabilityBoundingSet: [
    '',
    '~',
    'CAP_SYS_ADMIN',
    '~CAP_SYS_ADMIN CAP_SYS_PTRACE',
    'cap_net_bind_service',
    'CAP_KILL CAP_BPF',
    '21',
    '~CAP_NET_RAW CAP_NET_ADMIN',
    'CAP_BOGUS',
    '~CAP_SETUID CAP_SETGID CAP_SETPCAP CAP_SYS_TIME',
    'CAP_CHOWN CAP_DAC_OVERRIDE',
  ],
  AmbientCapabilities: ['', 'CAP_NET_BIND_SERVICE', '~CAP_KILL', 'CAP_BOGUS'],
  RestrictAddressFamilies: [
    '',
    'none',
    'AF_UNIX AF_INET AF_INET6',
    '~AF_PACKET',
    'af_netlink',
    'AF_BLUETOOTH',
    '~AF_INET6 AF_UNIX',
    'AF_LOCAL',
    '~AF_ROUTE AF_PACKET AF_BLUETOOTH',
    'AF_INET',
  ],
  RestrictNamespaces: ['yes', 'no', 'true', '', '~user', 'net ipc', '~cgroup mnt', 'user', 'bogus', 'uts pid time'],
  SystemCallFilter: [
    '',
    '@system-service',
    '~@privileged @resources',
    '~@clock',
    '@basic-io @network-io read write',
    '~@mount:EPERM',
    '~@swap @reboot @raw-io @module @debug @obsolete @cpu-emulation',
    '@known',
    '~setuid',
    '@bogus',
    '~@obsolete swapon swapoff',
    'ioprio_set',
    '~@privileged:EACCES',
  ],
  SystemCallArchitectures: ['', 'native', 'native x86', 'x86-64', 'bogus'],
  IPAddressDeny: ['', 'any', '0.0.0.0/0', '0.0.0.0/0 ::/0', '10.0.0.0/8', 'localhost'],
  IPAddressAllow: [
    '',
    'localhost',
    '127.0.0.1',
    '::1',
    '10.0.0.5',
    '127.0.0.0/8 ::1/128',
    'link-local',
    '192.168.0.0/16',
    'multicast',
  ],
  ProtectSystem: ['yes', 'no', 'true', 'full', 'strict', '', 'bogus'],
  ProtectHome: ['yes', 'no', 'read-only', 'tmpfs', '', '1'],
  ProtectProc: ['default', 'noaccess', 'invisible', 'ptraceable'],
  ProcSubset: ['all', 'pid'],
  UMask: ['0022', '0077', '077', '0027', '0007', '0002', '0000', '0020', '7', '', '0o77'],
  DevicePolicy: ['auto', 'closed', 'strict'],
  DeviceAllow: ['', '/dev/null rw', 'char-rtc r'],
  RootDirectory: ['', '/', '/srv/root'],
  RootImage: ['', '/srv/image.raw'],
  Delegate: ['yes', 'no', 'cpu memory', ''],
  KeyringMode: ['inherit', 'private', 'shared'],
  NotifyAccess: ['none', 'main', 'exec', 'all'],
  Type: ['simple', 'notify', 'exec'],
};
const KEYS = Object.keys(VALUES);

function generateUnit(random: () => number): { main: string; dropIns: string[] } {
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)]!;
  const lines = (count: number) =>
    Array.from({ length: count }, () => {
      const key = pick(KEYS);
      return `${key}=${pick(VALUES[key]!)}`;
    });
  const unitSection = random() < 0.1 ? `[Unit]\nDefaultDependencies=${pick(['no', 'yes', 'false'])}\n` : '';
  const main = `${unitSection}[Service]\nExecStart=/bin/true\n${lines(Math.floor(random() * 24)).join('\n')}\n`;
  const dropIns = Array.from(
    { length: Math.floor(random() * 3) },
    () => `[Service]\n${lines(1 + Math.floor(random() * 6)).join('\n')}\n`,
  );
  return { main, dropIns };
}

function unitText(name: string, unit: { main: string; dropIns: string[] }): string {
  return [`# ${name}`, unit.main, ...unit.dropIns.map((text, index) => `# drop-in ${index}.conf\n${text}`)].join('\n');
}

test(`exposure model agrees with systemd-analyze security --offline=true on ${UNITS} generated units (seed ${SEED})`, async () => {
  const random = prng(SEED);
  const units = Array.from({ length: UNITS }, (_, index) => ({ name: `gen${index}.service`, ...generateUnit(random) }));
  const files: FileSpec = {};
  for (const unit of units) {
    files[`${UNIT_DIR}/${unit.name}`] = unit.main;
    unit.dropIns.forEach((text, index) => {
      files[`${UNIT_DIR}/${unit.name}.d/${index}.conf`] = text;
    });
  }
  const tree = await materialiseFiles(files);
  const mismatches: string[] = [];
  let refused = 0;
  try {
    for (let start = 0; start < units.length; start += BATCH) {
      const batch = units.slice(start, start + BATCH);
      const oracle = analyzeSecurity(
        tree.root,
        batch.map((unit) => unit.name),
      );
      for (const unit of batch) {
        const expected = oracle.get(unit.name);
        const effective = mergeUnit(unit.name, [
          { path: `/${UNIT_DIR}/${unit.name}`, text: unit.main },
          ...unit.dropIns.map((text, index) => ({ path: `/${UNIT_DIR}/${unit.name}.d/${index}.conf`, text })),
        ]);
        if (!expected) {
          // systemd refused the unit (a fatal setting): the model must refuse it too.
          assert.throws(
            () => scoreUnit(effective),
            UnitNotLoadable,
            `${unit.name} has no score\n${unitText(unit.name, unit)}`,
          );
          refused++;
          continue;
        }
        const actual = scoreUnit(effective);
        const rows = actual.assessments
          .filter((row) => row.badness !== expected.rows.get(row.id)?.badness)
          .map((row) => `${row.id} ours ${row.badness} systemd ${expected.rows.get(row.id)?.badness}`);
        if (Math.abs(actual.score - expected.score) > 0.1 + 1e-9 || actual.label !== expected.label || rows.length) {
          mismatches.push(
            `seed ${SEED}: ${unit.name} ours ${actual.score} ${actual.label}, systemd ${expected.score} ${expected.label}\n  ${rows.join('\n  ')}\n${unitText(unit.name, unit)}`,
          );
        }
        assert.equal(actual.assessments.length, expected.rows.size, `${unit.name}: number of assessors`);
      }
    }
  } finally {
    await tree.cleanup();
  }
  assert.deepEqual(mismatches, [], mismatches.slice(0, 5).join('\n\n'));
  // Most generated units must load, or the comparison above says little.
  assert.ok(refused < UNITS / 10, `${refused} of ${UNITS} units refused`);
});

test('the example units score as systemd-analyze rates them: published-guide 7.9 EXPOSED, hardened 1.1 OK', async () => {
  for (const [example, score, label] of [
    ['published-guide', 7.9, 'EXPOSED'],
    ['hardened', 1.1, 'OK'],
  ] as const) {
    const root = await materialiseExample(example);
    try {
      const unitPath = `${root}/${UNIT_DIR}/stacks-signer.service`;
      const oracle = analyzeSecurity(root, ['stacks-signer.service']).get('stacks-signer.service');
      const actual = scoreUnit(
        mergeUnit('stacks-signer.service', [{ path: unitPath, text: readFileSync(unitPath, 'utf8') }]),
      );
      assert.deepEqual([oracle?.score, oracle?.label], [score, label], `${example}: the oracle itself`);
      assert.deepEqual([actual.score, actual.label], [score, label], example);
      for (const row of actual.assessments)
        assert.equal(row.badness, oracle?.rows.get(row.id)?.badness, `${example}: ${row.id}`);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  }
});
