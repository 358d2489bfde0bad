// The real `sshd -T` is the oracle: generated configs (Include globs, Match blocks, aliases, odd spellings) are
// written to a temp dir and the parser's effective settings must equal what sshd prints, for several connections.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { expandGlob } from '../../src/parsers/glob.js';
import {
  effectiveSshd,
  loadSshdConfig,
  parseSshdT,
  type SshdConfigSource,
  type SshdConnection,
  type SshdEffective,
  sshdTestSpec,
} from '../../src/parsers/sshd-config.js';
import { runProgram } from '../../src/target/run-program.js';

const CONFIGS = 280;
const CONCURRENCY = 4;
const COMPARED = [
  'passwordauthentication',
  'kbdinteractiveauthentication',
  'pubkeyauthentication',
  'permitrootlogin',
  'permitemptypasswords',
  'x11forwarding',
  'usepam',
  'authenticationmethods',
] as const;

function findSshd(): string | undefined {
  const dirs = [...(process.env['PATH'] ?? '').split(':'), '/usr/sbin', '/usr/local/sbin'];
  return dirs.map((dir) => path.join(dir, 'sshd')).find((candidate) => fs.existsSync(candidate));
}

function groupsOf(user: string): string[] {
  try {
    return execFileSync('id', ['-Gn', user], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
      .trim()
      .split(/\s+/);
  } catch {
    return []; // sshd cannot resolve groups of a user that does not exist either
  }
}

/** mulberry32: a small seeded PRNG so a failure names a reproducible config. */
function prng(seed: number) {
  let state = seed >>> 0;
  const next = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    chance: (p: number) => next() < p,
    int: (n: number) => Math.floor(next() * n),
    pick: <T>(items: readonly T[]): T => items[Math.floor(next() * items.length)]!,
  };
}
type Rng = ReturnType<typeof prng>;

const FLAG_KEYWORDS = [
  'PasswordAuthentication',
  'KbdInteractiveAuthentication',
  'ChallengeResponseAuthentication',
  'PubkeyAuthentication',
  'PermitEmptyPasswords',
  'X11Forwarding',
];
const ROOT_VALUES = ['yes', 'no', 'prohibit-password', 'without-password', 'forced-commands-only', 'YES', 'No'];
const METHODS = [
  'any',
  'publickey',
  'publickey,password',
  'publickey,keyboard-interactive:pam password',
  'publickey password',
  'none',
];
const MATCHES = [
  'User root',
  'User alice,bob',
  'User !root,*',
  'User r*',
  'Group root',
  'Group nogroup,wheel',
  'Host *.example.com',
  'Host !web.*,*.EXAMPLE.com',
  'Address 10.0.0.0/8',
  'Address 192.168.1.*,!10.1.2.3',
  'Address 2001:db8::/32',
  'LocalAddress 10.0.0.1',
  'LocalPort 2222',
  'RDomain rd*',
  'User root Address 10.1.0.0/16',
  'All',
];

function spellKeyword(rng: Rng, keyword: string): string {
  const cased = rng.pick(['as-is', 'lower', 'upper', 'random'] as const);
  if (cased === 'lower') return keyword.toLowerCase();
  if (cased === 'upper') return keyword.toUpperCase();
  if (cased === 'random')
    return [...keyword].map((c) => (rng.chance(0.5) ? c.toUpperCase() : c.toLowerCase())).join('');
  return keyword;
}

function directive(rng: Rng, keyword: string, value: string): string {
  const separator = rng.pick([' ', '\t', '=', ' = ', ' =', '= ', '  ']);
  const quoted = rng.chance(0.15) && !value.includes(' ') ? `"${value}"` : value;
  const trailer = rng.pick(['', '', '', ' # note', '  ', '\t']);
  return `${rng.chance(0.1) ? '  ' : ''}${spellKeyword(rng, keyword)}${separator}${quoted}${trailer}`;
}

/** A setting line; `global` allows keywords sshd accepts only outside Match blocks. */
function setting(rng: Rng, global: boolean): string {
  // AuthenticationMethods is rare: OpenSSH 9.2 rejects many combinations ("any" after a value, unsatisfiable lists).
  const kinds = ['flag', 'flag', 'flag', 'flag', 'flag', 'root', 'root', 'methods'] as const;
  const kind = rng.pick(global ? [...kinds, 'port', 'pam'] : kinds);
  if (kind === 'flag') return directive(rng, rng.pick(FLAG_KEYWORDS), rng.pick(['yes', 'no', 'Yes', 'NO']));
  if (kind === 'root') return directive(rng, 'PermitRootLogin', rng.pick(ROOT_VALUES));
  if (kind === 'methods') return directive(rng, 'AuthenticationMethods', rng.pick(METHODS));
  if (kind === 'port') return directive(rng, 'Port', String(rng.pick([22, 2222, 443, 8022])));
  return directive(rng, 'UsePAM', rng.pick(['yes', 'no']));
}

const INVALID_LINES = [
  'Bogus yes',
  'PasswordAuthentication maybe',
  'Port 0',
  'Match Foo bar',
  'PermitRootLogin no extra',
  'AuthenticationMethods any publickey',
  'AuthenticationMethods publickey,magic',
  'Match Address 10.0.0.1/8',
  'PasswordAuthentication "no',
  'Match User',
];

interface Generated {
  main: string;
  files: Record<string, string>;
}

/** One config: main file plus include files under dir, using absolute Include paths. */
function generate(rng: Rng, dir: string): Generated {
  const inc = path.join(dir, 'inc');
  const files: Record<string, string> = {};
  const block = (global: boolean, count: number) =>
    Array.from({ length: count }, () => (rng.chance(0.15) ? rng.pick(['', '# comment', '   ']) : setting(rng, global)));
  const withMatches = (global: boolean) => {
    const lines = block(global, rng.int(4));
    for (let m = rng.int(3); m > 0; m--) {
      const match = rng.pick(MATCHES);
      lines.push(`${spellKeyword(rng, 'Match')} ${match}`, ...block(match === 'All', 1 + rng.int(3)));
    }
    return lines;
  };
  // Include targets: some hold only Match-safe keywords, some global ones, some Match blocks of their own.
  files[path.join(inc, '10-base.conf')] = block(true, 1 + rng.int(3)).join('\n');
  files[path.join(inc, '20-match.conf')] = withMatches(false).join('\n');
  files[path.join(inc, '30-safe.conf')] = block(false, 1 + rng.int(3)).join('\n');
  files[path.join(inc, '.hidden.conf')] = block(false, 2).join('\n');
  files[path.join(inc, 'notes.txt')] = block(false, 2).join('\n');
  files[path.join(inc, 'nested', 'n.conf')] = [
    ...block(false, 1 + rng.int(2)),
    ...(rng.chance(0.5) ? [`Include ${path.join(inc, '30-safe.conf')}`] : []),
  ].join('\n');
  const includeLine = (global: boolean) => {
    const choices = global
      ? ['*.conf', '1?-*.conf', '[12]*.conf', '10-base.conf', '.h*', 'missing-*.conf', 'nested/*.conf', '[!1]*.conf']
      : ['30-safe.conf', '20-match.conf', 'nested/n.conf', '.hidden.conf', 'none/*.conf', '*.txt'];
    const patterns = Array.from({ length: 1 + (rng.chance(0.2) ? 1 : 0) }, () => path.join(inc, rng.pick(choices)));
    return `${spellKeyword(rng, 'Include')}${rng.pick([' ', '=', ' = '])}${patterns.join(' ')}`;
  };
  const main: string[] = [];
  for (let section = 1 + rng.int(4); section > 0; section--) {
    if (rng.chance(0.5)) main.push(includeLine(true));
    main.push(...block(true, rng.int(4)));
  }
  for (let m = rng.int(4); m > 0; m--) {
    const match = rng.pick(MATCHES);
    main.push(`${spellKeyword(rng, 'Match')}${rng.pick([' ', ' = '])}${match}`);
    main.push(...block(match === 'All', rng.int(3)));
    if (rng.chance(0.4)) main.push(includeLine(false));
    main.push(...block(match === 'All', rng.int(2)));
  }
  if (rng.chance(0.1)) main.splice(rng.int(main.length + 1), 0, rng.pick(INVALID_LINES));
  if (rng.chance(0.05)) main.push('Match User root', directive(rng, 'Port', '2200')); // global-only in Match
  return { main: main.join('\n') + (rng.chance(0.8) ? '\n' : ''), files };
}

const nodeSource: SshdConfigSource = {
  async readText(file) {
    try {
      return await fs.promises.readFile(file, 'utf8');
    } catch {
      return undefined;
    }
  },
  glob: (pattern) =>
    expandGlob(pattern, {
      readDir: (dir) => fs.promises.readdir(dir).catch(() => undefined),
      exists: (file) =>
        fs.promises.lstat(file).then(
          () => true,
          () => false,
        ),
    }),
};

/** One `sshd -T` takes well under a second alone and a few seconds at a load of ~18; 60 s only stops a hung one. */
async function runSshd(sshd: string, args: string[]): Promise<{ ok: boolean; stdout: string; stderr: string }> {
  const outcome = await runProgram(sshd, args, { timeoutMs: 60_000 });
  if (outcome.kind === 'not-started') return { ok: false, stdout: '', stderr: outcome.message };
  return { ok: outcome.kind === 'exited' && outcome.code === 0, stdout: outcome.stdout, stderr: outcome.stderr };
}

async function pool<T>(items: T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: limit }, worker));
}

function comparable(effective: SshdEffective): Record<string, string> {
  const out: Record<string, string> = {};
  for (const keyword of COMPARED) out[keyword] = effective[keyword].value;
  out['port'] = effective.ports.map((port) => port.value).join(' ');
  return out;
}

function fromSshdT(settings: Record<string, string[]>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const keyword of COMPARED) out[keyword] = settings[keyword]?.join('|') ?? '<missing>';
  out['port'] = (settings['port'] ?? []).join(' ');
  return out;
}

let root = '';
let hostKey = '';
const sshd = findSshd();

before(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'so-'));
  if (sshd === undefined) return;
  hostKey = path.join(root, 'hk');
  execFileSync('ssh-keygen', ['-t', 'ed25519', '-N', '', '-f', hostKey, '-q']);
  fs.mkdirSync('/run/sshd', { recursive: true }); // sshd -T checks its privilege-separation directory
});

after(() => fs.rmSync(root, { recursive: true, force: true }));

test('sshd -T agrees with the parser on generated configs', { timeout: 300_000 }, async (t) => {
  assert.ok(sshd, 'sshd not found in PATH or /usr/sbin: install openssh-server (the oracle test needs the real sshd)');
  const connections: SshdConnection[] = [
    { user: 'root', host: 'host.example.com', addr: '10.1.2.3', lport: 22 },
    { user: 'alice', host: 'Web.Example.com', addr: '192.168.1.7', lport: 2222, rdomain: 'rd1' },
    // No lport: sshd -T refuses a reachable `Match LocalPort`, and the parser must report it.
    { user: 'nobody', host: 'other.net', addr: '2001:db8::5', laddr: '10.0.0.1' },
  ].map((connection) => ({ ...connection, groups: groupsOf(connection.user) }));

  const rng = prng(20240917);
  const cases = Array.from({ length: CONFIGS }, (_, index) => {
    const dir = path.join(root, `c${index}`);
    const generated = generate(rng, dir);
    for (const [file, text] of Object.entries(generated.files)) {
      fs.mkdirSync(path.dirname(file), { recursive: true });
      fs.writeFileSync(file, text);
    }
    const main = path.join(dir, 'sshd_config');
    fs.writeFileSync(main, generated.main);
    return { index, main };
  });

  const failures: string[] = [];
  let comparedValid = 0;
  let comparedInvalid = 0;
  const rejections = new Map<string, number>();
  const validConfigs = new Set<number>();
  let fromIncludedFile = 0;
  const perConnection = new Map<number, Set<string>>();
  await pool(cases, CONCURRENCY, async ({ index, main }) => {
    const config = await loadSshdConfig(nodeSource, main);
    for (const [n, connection] of connections.entries()) {
      const effective = effectiveSshd(config, connection);
      const real = await runSshd(sshd, ['-T', '-f', main, '-h', hostKey, '-C', sshdTestSpec(connection)]);
      const where = `config #${index} (${main}) connection ${n}`;
      if (!real.ok || effective.problems.length > 0) {
        comparedInvalid++;
        const reason = (real.stderr.trim().split('\n').pop() ?? '').replace(/^.*line \d+: /, '');
        rejections.set(reason, (rejections.get(reason) ?? 0) + 1);
        if (real.ok !== (effective.problems.length === 0)) {
          failures.push(
            `${where}: sshd ${real.ok ? 'accepted' : `rejected (${real.stderr.trim().split('\n').pop()})`}, ` +
              `parser problems: ${JSON.stringify(effective.problems.map((p) => p.message))}`,
          );
        }
        continue;
      }
      comparedValid++;
      validConfigs.add(index);
      const ours = comparable(effective);
      if (COMPARED.some((keyword) => effective[keyword].file !== undefined && effective[keyword].file !== main)) {
        fromIncludedFile++;
      }
      const theirs = fromSshdT(parseSshdT(real.stdout));
      const seen = perConnection.get(index) ?? new Set<string>();
      seen.add(JSON.stringify(theirs));
      perConnection.set(index, seen);
      for (const key of Object.keys(theirs)) {
        if (ours[key] !== theirs[key]) failures.push(`${where}: ${key} sshd=${theirs[key]} parser=${ours[key]}`);
      }
    }
  });
  if (process.env['SSHD_ORACLE_VERBOSE']) t.diagnostic(JSON.stringify([...rejections], null, 1));
  t.diagnostic(
    `${validConfigs.size} configs / ${comparedValid} runs compared value by value; ${comparedInvalid} rejected runs`,
  );
  assert.deepEqual(failures.slice(0, 20), [], `${failures.length} disagreements with sshd -T`);
  assert.ok(validConfigs.size >= 200, `only ${validConfigs.size} configs accepted by sshd and compared`);
  assert.ok(comparedInvalid > 10, `only ${comparedInvalid} rejected configs exercised`);
  // The generator must exercise what matters: values from included files, and Match making connections differ.
  const connectionDependent = [...perConnection.values()].filter((seen) => seen.size > 1).length;
  t.diagnostic(
    `${fromIncludedFile} runs took a value from an included file; ${connectionDependent} configs differ by connection`,
  );
  assert.ok(fromIncludedFile > 100);
  assert.ok(connectionDependent > 50);
});
