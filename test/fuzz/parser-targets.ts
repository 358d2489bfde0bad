// Every parser the tool has, as a fuzz target: its seeds (real files: the example hosts, the fixtures of the suite),
// the lines worth inserting, where a secret belongs in it, and what it may throw. `modules` ties each target to the
// source files it exercises, so a parser added to src/parsers/ without a target fails test/fuzz/parsers.test.ts.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { YAMLError } from 'yaml';
import { parseDotEnv } from '../../src/discovery/compose.js';
import { parseEnvironmentFile } from '../../src/facts/services/service-environment.js';
import { hasIniHeader, parseInventory } from '../../src/parsers/ansible-inventory.js';
import { parseAptConfig } from '../../src/parsers/apt-config.js';
import { parseSha512Checksums } from '../../src/parsers/checksums.js';
import { mergeComposeDocuments } from '../../src/parsers/compose-merge.js';
import { ComposeYamlLimitError, parseComposeYaml } from '../../src/parsers/compose-yaml.js';
import { parseComposePorts, parsePortBindings } from '../../src/parsers/container-ports.js';
import { readInspectedContainer } from '../../src/parsers/docker-inspect.js';
import { parseDpkgStatus } from '../../src/parsers/dpkg-status.js';
import { JsonSyntaxError, parseExactJson } from '../../src/parsers/exact-json.js';
import { parseExecLine } from '../../src/parsers/exec-command.js';
import { mergeRulesets } from '../../src/parsers/firewall/model.js';
import { expandGlob } from '../../src/parsers/glob.js';
import { hostMatches } from '../../src/parsers/host-glob.js';
import { parseHosts } from '../../src/parsers/hosts.js';
import { parseIni } from '../../src/parsers/ini.js';
import { ipVersion } from '../../src/parsers/ip-version.js';
import { parseIptablesSave } from '../../src/parsers/iptables-save.js';
import { parseNftablesConf } from '../../src/parsers/nftables.js';
import { parseNftJson } from '../../src/parsers/nftables-json.js';
import { nftShapeProblem } from '../../src/parsers/nftables-shape.js';
import { parseNodeConfig } from '../../src/parsers/node-config.js';
import { parseOsRelease } from '../../src/parsers/os-release.js';
import { ParseLimitError } from '../../src/parsers/parse-limits.js';
import { parseGroup, parsePasswd } from '../../src/parsers/passwd.js';
import { parseProcNetTcp } from '../../src/parsers/proc-net-tcp.js';
import { parseProcessLines, parseProcLinks, parseStatOutput } from '../../src/parsers/remote-proc.js';
import { parseSignerConfig } from '../../src/parsers/signer-config.js';
import { parseSshDestination } from '../../src/parsers/ssh-destination.js';
import { effectiveSshd, loadSshdConfig, parseSshdT } from '../../src/parsers/sshd-config.js';
import { matchPattern } from '../../src/parsers/sshd-config-match.js';
import { expandPrincipals, parseSudoers } from '../../src/parsers/sudoers.js';
import { mergeUnit, parseUnitFile } from '../../src/parsers/systemd-unit.js';
import { splitWords } from '../../src/parsers/systemd-words.js';
import { parseTomlDocument } from '../../src/parsers/toml-document.js';
import { scanTomlKeyLines } from '../../src/parsers/toml-lines.js';
import { describeToolOutput } from '../../src/parsers/tool-messages.js';
import { parseUfwConf, parseUfwDefaults, ufwRuleset } from '../../src/parsers/ufw.js';
import { parseWaivers, WaiverFileError } from '../../src/parsers/waivers.js';
import { hashZipEntry, listZipEntries, ZipFormatError } from '../../src/release/zip-reader.js';
import { parseReleasePin } from '../../src/stacks/release-pin.js';
import { parseStackerSet, StackerSetError } from '../../src/stacks/signer-set.js';
import { indexTar, TarFormatError } from '../../src/target/tar-reader.js';
import { writeTar } from '../../src/target/tar-writer.js';
import { REPO_ROOT } from '../support/cli.js';
import {
  IPTABLES_RULES,
  NFT_RULESETS,
  NFT_WITH_INCLUDE,
  UFW_USER_RULES,
  UFW_USER6_RULES,
} from '../support/firewall-hosts.js';
import { nodeToml, PASSWD, signerToml } from '../support/hosts.js';
import { key, stackerSetText } from '../support/stacker-sets.js';
import { buildZip } from '../support/zip-writer.js';

export interface ParserTarget {
  name: string;
  /** Source files (repo-relative) this target drives; every file of src/parsers/ must be named by some target. */
  modules: readonly string[];
  seeds(): Buffer[];
  /** Lines to insert besides the seeds' own (keywords, section headers). */
  keywords?: readonly string[];
  /** Line templates that hold `{SECRET}` where a secret belongs in this format. */
  secretLines?: readonly string[];
  /** Runs the parser; what it returns is searched for planted secrets in its messages. */
  run(input: Buffer): unknown;
  /** The parser's own typed errors: throwing one is its contract; anything else is a crash. */
  expectedError?(error: unknown): boolean;
  /** Binary formats: text-level secrets are meaningless there. */
  binary?: boolean;
  /** Why this target's messages may quote its input (its caller rewords them, or the input is the operator's own). */
  messagesMayQuote?: string;
  /**
   * Violations this target is known to have, left for another fix: matched on the violation's text, counted and
   * printed by every run instead of failing it, so the run goes on to find others. Each has a regression fixture
   * listed in test/fuzz/regressions/known-failures.json.
   */
  knownViolations?: readonly KnownViolation[];
}

export interface KnownViolation {
  kind: 'crash' | 'slow' | 'leak';
  pattern: RegExp;
  reason: string;
}

const EXAMPLES = join(REPO_ROOT, 'examples', 'hosts');
const EXAMPLE_HOSTS = readdirSync(EXAMPLES, { withFileTypes: true })
  .filter((entry) => entry.isDirectory())
  .map((entry) => entry.name)
  .sort();
const SEEDS = join(REPO_ROOT, 'test', 'fuzz', 'seeds');

/** `path` (inside rootfs/) of every example host that has it. */
function exampleFiles(...paths: string[]): Buffer[] {
  const found: Buffer[] = [];
  for (const host of EXAMPLE_HOSTS) {
    for (const path of paths) {
      try {
        found.push(readFileSync(join(EXAMPLES, host, 'rootfs', path)));
      } catch {
        // this host has no such file
      }
    }
  }
  return found;
}

function seedFiles(suffix: string): Buffer[] {
  return readdirSync(SEEDS)
    .filter((name) => name.endsWith(suffix))
    .sort()
    .map((name) => readFileSync(join(SEEDS, name)));
}

const text = (input: Buffer) => input.toString('utf8');
const texts = (...values: string[]) => values.map((value) => Buffer.from(value, 'utf8'));

const UNIT_SEEDS = () => [
  ...exampleFiles('etc/systemd/system/stacks-signer.service', 'etc/systemd/system/stacks-node.service'),
  ...texts(
    '[Service]\nExecStart=\nExecStart=/usr/local/bin/stacks-signer run --config "/etc/stacks/signer/signer config.toml"\nEnvironment="A=b c" D=e\n',
  ),
];
const UNIT_KEYWORDS = ['[Unit]', '[Service]', '[Install]', 'ExecStart=', 'User=', '\\', 'Environment=A=b \\'];
const UNIT_SECRETS = ['Environment=STACKS_PRIVATE_KEY={SECRET}', 'ExecStart=/usr/bin/stacks-signer --key {SECRET}'];
const TOML_SECRETS = ['stacks_private_key = "{SECRET}"', 'auth_password = "{SECRET}"', 'seed = "{SECRET}"'];
const TOML_KEYWORDS = ['[node]', '[burnchain]', '[[events_observer]]', 'a = """', "b = '''", 'x = [', 'y = {', '"'];

function sshdSource(files: ReadonlyMap<string, string>) {
  const children = (dir: string) => {
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    const names = new Set<string>();
    for (const path of files.keys()) if (path.startsWith(prefix)) names.add(path.slice(prefix.length).split('/')[0]!);
    return names.size > 0 || dir === '/' ? [...names] : undefined;
  };
  return {
    readText: async (path: string) => files.get(path),
    glob: (pattern: string) =>
      expandGlob(pattern, {
        readDir: async (dir) => children(dir),
        exists: async (path) => files.has(path) || children(path) !== undefined,
      }),
  };
}

const SSHD_DROP_IN = '/etc/ssh/sshd_config.d/10-signer-hardening.conf';

/** `*` and `?` within one path component (sshd's match_pattern), no regex. */
function wildcardPathMatch(pattern: string, path: string): boolean {
  const patterns = pattern.split('/');
  const names = path.split('/');
  return patterns.length === names.length && patterns.every((part, index) => matchPattern(names[index]!, part));
}

function nftSources(main: string, extra: ReadonlyMap<string, string>) {
  const files = new Map(extra);
  files.set('/etc/nftables.conf', main);
  return {
    read: (path: string) => files.get(path),
    resolve: (pattern: string) => {
      const absolute = pattern.startsWith('/') ? pattern : `/etc/${pattern}`;
      // Only * and ? are wildcards here, matched within one path component; every other character stands for itself.
      // No regex is built from the pattern: the long run's seed 20261208 case 519 held a lone "[", and seed
      // 1392123363 case 640 a pattern too large for a regex to compile.
      return [...files.keys()].filter((path) => wildcardPathMatch(absolute, path)).sort();
    },
  };
}

const NFT_INCLUDED = new Map(
  Object.entries(NFT_WITH_INCLUDE)
    .filter(([path]) => path !== 'etc/nftables.conf')
    .map(([path, content]) => [`/${path}`, String(content)]),
);

function zipSeeds(): Buffer[] {
  const binary = Buffer.alloc(3000, 'ELF\0stacks-signer\n');
  return [
    buildZip([
      { name: 'stacks-signer', content: binary },
      { name: 'stacks-node', content: binary, method: 0 },
    ]),
    buildZip([
      { name: 'bin/', content: '' },
      { name: 'bin/link', content: 'stacks-signer', unixMode: 0o120777 },
    ]),
  ];
}

function tarSeeds(): Buffer[] {
  const entry = (path: string, content: string) => ({
    path,
    type: 'file' as const,
    mode: 0o644,
    uid: 0,
    gid: 0,
    content: Buffer.from(content),
  });
  return [
    writeTar([
      { path: 'etc', type: 'dir', mode: 0o755, uid: 0, gid: 0 },
      entry('etc/passwd', PASSWD),
      entry(`etc/${'deep/'.repeat(30)}name-longer-than-one-hundred-bytes-${'x'.repeat(100)}`, 'x'),
      { path: 'etc/link', type: 'symlink', mode: 0o777, uid: 0, gid: 0, linkTarget: '../etc/passwd' },
    ]),
  ];
}

const CHECKSUM_NAMES = ['linux-glibc-x64.zip', 'linux-musl-arm64.zip', 'macos-arm64.zip', 'windows-x64.zip'];

export const PARSER_TARGETS: readonly ParserTarget[] = [
  {
    name: 'signer-config',
    modules: ['src/parsers/signer-config.ts', 'src/parsers/toml-document.ts'],
    seeds: () => [
      ...exampleFiles('etc/stacks/signer/signer-config.toml', 'opt/stacks/signer-config.toml'),
      ...texts(signerToml()),
    ],
    keywords: TOML_KEYWORDS,
    secretLines: TOML_SECRETS,
    run: (input) => parseSignerConfig(text(input)),
  },
  {
    name: 'node-config',
    modules: ['src/parsers/node-config.ts', 'src/parsers/node-config-keys.ts', 'src/parsers/toml-document.ts'],
    seeds: () => [
      ...exampleFiles('etc/stacks/node/node-config.toml', 'opt/stacks/node-config.toml'),
      ...texts(nodeToml()),
    ],
    keywords: TOML_KEYWORDS,
    secretLines: TOML_SECRETS,
    run: (input) => parseNodeConfig(text(input)),
  },
  {
    name: 'toml-lines',
    modules: ['src/parsers/toml-lines.ts', 'src/parsers/toml-document.ts'],
    seeds: () => exampleFiles('etc/stacks/signer/signer-config.toml', 'etc/stacks/node/node-config.toml'),
    keywords: TOML_KEYWORDS,
    secretLines: TOML_SECRETS,
    run: (input) => ({ lines: scanTomlKeyLines(text(input)), document: parseTomlDocument(text(input)) }),
  },
  {
    name: 'systemd-unit',
    modules: ['src/parsers/systemd-unit.ts', 'src/parsers/systemd-words.ts', 'src/parsers/exec-command.ts'],
    seeds: UNIT_SEEDS,
    keywords: UNIT_KEYWORDS,
    secretLines: UNIT_SECRETS,
    run: (input) => {
      const parsed = parseUnitFile(text(input), '/etc/systemd/system/fuzz.service');
      const exec = parsed.assignments
        .filter((assignment) => assignment.key.startsWith('Exec'))
        .map((assignment) => parseExecLine(assignment.value));
      const words = parsed.assignments.map((assignment) => splitWords(assignment.value));
      return { parsed, exec, words };
    },
  },
  {
    name: 'systemd-drop-ins',
    modules: ['src/parsers/systemd-unit.ts'],
    seeds: UNIT_SEEDS,
    keywords: UNIT_KEYWORDS,
    secretLines: UNIT_SECRETS,
    run: (input) => {
      const main = UNIT_SEEDS()[0]!.toString('utf8');
      const unit = mergeUnit('stacks-signer.service', [
        { path: '/etc/systemd/system/stacks-signer.service', text: main },
        { path: '/etc/systemd/system/stacks-signer.service.d/10-fuzz.conf', text: text(input) },
      ]);
      return { assignments: unit.assignments, problems: unit.problems };
    },
  },
  {
    name: 'environment-file',
    modules: ['src/facts/services/service-environment.ts', 'src/discovery/compose.ts'],
    seeds: () => [...exampleFiles('opt/stacks/.env'), ...texts('A=1\n# c\nexport B="two words"\n; d\nC=\'x\'\n')],
    keywords: ['export X=1', 'Y="', "Z='", 'W=$' + '{A}'],
    secretLines: ['STACKS_PRIVATE_KEY={SECRET}', 'AUTH_PASSWORD="{SECRET}"'],
    run: (input) => ({ systemd: parseEnvironmentFile(text(input)), compose: parseDotEnv(text(input)) }),
  },
  {
    name: 'sshd-config',
    modules: [
      'src/parsers/sshd-config.ts',
      'src/parsers/sshd-config-match.ts',
      'src/parsers/sshd-config-settings.ts',
      'src/parsers/sshd-config-syntax.ts',
      'src/parsers/glob.ts',
    ],
    seeds: () => [
      ...exampleFiles('etc/ssh/sshd_config'),
      ...exampleFiles('etc/ssh/sshd_config.d/10-signer-hardening.conf'),
    ],
    keywords: [
      'Include /etc/ssh/sshd_config.d/*.conf',
      'Include /etc/ssh/sshd_config',
      'Match User root,!admin Address 10.0.0.0/8',
      'Match all',
      'Port 22',
      'AuthenticationMethods publickey,password',
      'PermitRootLogin "without-password"',
      'ListenAddress [::1]:2222',
    ],
    secretLines: ['# {SECRET}', 'Banner {SECRET}', 'ChrootDirectory "{SECRET}"'],
    run: async (input) => {
      const files = new Map([
        ['/etc/ssh/sshd_config', text(input)],
        [SSHD_DROP_IN, exampleFiles('etc/ssh/sshd_config.d/10-signer-hardening.conf')[0]?.toString('utf8') ?? ''],
      ]);
      const config = await loadSshdConfig(sshdSource(files));
      const connections = [
        { user: 'root', host: 'example', addr: '203.0.113.7', lport: 22, groups: ['root'] },
        { user: 'admin', host: 'lan', addr: '10.0.0.9', laddr: '10.0.0.1', lport: 2222, groups: ['sudo'] },
      ];
      return { problems: config.problems, effective: connections.map((c) => effectiveSshd(config, c).problems) };
    },
  },
  {
    name: 'sshd-T',
    modules: ['src/parsers/sshd-config.ts'],
    seeds: () =>
      texts(
        'port 22\naddressfamily any\nlistenaddress 0.0.0.0:22\npermitrootlogin without-password\npasswordauthentication no\nauthenticationmethods any\nallowusers admin stacks\nmaxauthtries 3\n',
      ),
    keywords: ['permitrootlogin yes', 'authenticationmethods publickey,keyboard-interactive', 'port 0', 'port 65536'],
    secretLines: ['banner {SECRET}'],
    run: (input) => parseSshdT(text(input)),
  },
  {
    name: 'nftables',
    modules: [
      'src/parsers/nftables.ts',
      'src/parsers/nftables-syntax.ts',
      'src/parsers/nftables-rule.ts',
      'src/parsers/nftables-vmap.ts',
      'src/parsers/firewall/values.ts',
      'src/parsers/firewall/address-range.ts',
      'src/parsers/firewall/model.ts',
      'src/parsers/nftables-shape.ts',
      'src/parsers/firewall/problems.ts',
    ],
    seeds: () => [
      ...exampleFiles('etc/nftables.conf'),
      ...texts(...Object.values(NFT_RULESETS), String(NFT_WITH_INCLUDE['etc/nftables.conf'])),
    ],
    keywords: [
      'include "nftables.d/*.nft"',
      'include "/etc/nftables.conf"',
      'include "../../../../dev/zero"',
      'define ports = { 22, 30000 }',
      'table inet filter {',
      'chain input {',
      'type filter hook input priority filter; policy drop;',
      'tcp dport $ports accept',
      'ip saddr @node tcp dport 30000 accept',
      'meta l4proto vmap { tcp : jump t, udp : drop }',
      '}',
    ],
    secretLines: [
      '# {SECRET}',
      'comment "{SECRET}"',
      'define token = "{SECRET}"',
      // Names of the file's own chains, sets and tables: a problem says where and what, never the name.
      'jump {SECRET}',
      'goto {SECRET}',
      'chain {SECRET} {',
      'chain {SECRET}',
      'set {SECRET} {',
      'table inet {SECRET} {',
      'type filter hook input priority {SECRET}; policy {SECRET};',
    ],
    run: (input) => {
      const ruleset = parseNftablesConf('/etc/nftables.conf', nftSources(text(input), NFT_INCLUDED));
      // harden's check that an included file is nft configuration at all, before it is copied for `nft -c`.
      const shape = nftShapeProblem(text(input), '/etc/nftables.conf');
      return { merged: mergeRulesets([ruleset, ruleset]), shape };
    },
  },
  {
    name: 'nftables-json',
    modules: ['src/parsers/nftables-json.ts', 'src/parsers/nftables-vmap.ts', 'src/parsers/parse-limits.ts'],
    seeds: () => seedFiles('.json').filter((seed) => seed.includes('"nftables"')),
    keywords: ['{"nftables": [', '{"rule": {"family": "inet", "table": "filter", "chain": "input", "expr": [', ']}}'],
    secretLines: [
      '{"comment": "{SECRET}"},',
      '{"rule": {"family": "inet", "table": "{SECRET}", "chain": "{SECRET}", "expr": []}},',
    ],
    run: (input) => parseNftJson(text(input)),
    // Its contract: a plain Error saying the text is not nft's JSON (the caller reports it as such), or a
    // ParseLimitError (deep or huge output; the caller makes it a CheckError).
    expectedError: (error) =>
      error instanceof ParseLimitError || (error instanceof Error && /^nft -j output /.test(error.message)),
  },
  {
    name: 'iptables-save',
    modules: ['src/parsers/iptables-save.ts', 'src/parsers/whitespace.ts'],
    seeds: () => [
      ...texts(IPTABLES_RULES.v4, IPTABLES_RULES.dockerV4, UFW_USER_RULES),
      ...exampleFiles('etc/iptables/rules.v4'),
    ],
    keywords: [
      '*filter',
      '*nat',
      ':INPUT DROP [0:0]',
      'COMMIT',
      '-A INPUT -j ACCEPT',
      '-A INPUT ! -s 10.0.0.0/8 -j DROP',
    ],
    secretLines: ['-A INPUT -m comment --comment "{SECRET}" -j ACCEPT', '# {SECRET}'],
    run: (input) => ({
      v4: parseIptablesSave(text(input), { family: 'ipv4', file: '/etc/iptables/rules.v4' }),
      v6: parseIptablesSave(text(input), { family: 'ipv6', file: '/etc/iptables/rules.v6' }),
    }),
  },
  {
    name: 'ufw',
    modules: ['src/parsers/ufw.ts'],
    seeds: () => [
      ...exampleFiles('etc/ufw/user.rules', 'etc/ufw/user6.rules', 'etc/ufw/ufw.conf', 'etc/default/ufw'),
      ...texts(UFW_USER6_RULES),
    ],
    keywords: [
      'ENABLED=yes',
      'IPV6=no',
      'DEFAULT_INPUT_POLICY="ACCEPT"',
      '### tuple ### allow any 22 0.0.0.0/0 any 0.0.0.0/0 in',
    ],
    secretLines: ['TOKEN={SECRET}', '# {SECRET}'],
    run: (input) => {
      const defaults = parseUfwDefaults(text(input));
      return {
        conf: parseUfwConf(text(input)),
        defaults,
        v4: ufwRuleset('ipv4', { text: text(input), file: '/etc/ufw/user.rules' }, defaults),
        v6: ufwRuleset('ipv6', { text: text(input), file: '/etc/ufw/user6.rules' }, defaults),
      };
    },
  },
  {
    name: 'compose',
    messagesMayQuote: "the YAML library's errors are reworded by composeError (src/discovery/compose.ts), never quoted",
    modules: [
      'src/parsers/compose-yaml.ts',
      'src/parsers/compose-merge.ts',
      'src/parsers/container-ports.ts',
      'src/parsers/yaml-depth.ts',
      'src/parsers/yaml-document.ts',
    ],
    seeds: () => exampleFiles('opt/stacks/compose.yaml'),
    keywords: [
      'services:',
      '  signer:',
      '    ports:',
      '      - "0.0.0.0:30000:30000/tcp"',
      '      - target: 30000',
      '        published: "30000-30010"',
      '    <<: *base',
      'x-base: &base',
      '    environment:',
      `      - A=\${B:-c}`,
      '!!binary |',
    ],
    secretLines: ['      STACKS_PRIVATE_KEY: "{SECRET}"', '      - AUTH_PASSWORD={SECRET}', '# {SECRET}'],
    run: (input) => {
      const document = parseComposeYaml(text(input));
      const merged = mergeComposeDocuments([document, document]);
      const services = merged.services && typeof merged.services === 'object' ? Object.values(merged.services) : [];
      return services.map((service) =>
        service && typeof service === 'object'
          ? parseComposePorts((service as Record<string, unknown>).ports)
          : undefined,
      );
    },
    // The YAML library's errors and our limits; the caller words them without quoting the file.
    expectedError: (error) =>
      error instanceof YAMLError || error instanceof ComposeYamlLimitError || error instanceof ReferenceError,
  },
  {
    name: 'docker-inspect',
    modules: ['src/parsers/docker-inspect.ts', 'src/parsers/container-ports.ts'],
    seeds: () =>
      texts(
        JSON.stringify([
          {
            Id: 'a3f9c2d4e5b6',
            Name: '/signer',
            Config: { Image: 'blockstack/stacks-signer:3.1', User: '990:990', Env: ['A=b'], Cmd: ['run'] },
            HostConfig: { PortBindings: { '30000/tcp': [{ HostIp: '', HostPort: '30000' }] }, Privileged: false },
            Mounts: [{ Type: 'bind', Source: '/srv/signer', Destination: '/data', RW: true }],
            State: { Running: true },
          },
        ]),
      ),
    secretLines: ['"STACKS_PRIVATE_KEY={SECRET}",'],
    run: (input) => {
      let value: unknown;
      try {
        value = JSON.parse(text(input));
      } catch {
        return undefined; // the CLI refuses invalid JSON before this parser (readDockerInspect)
      }
      const records = Array.isArray(value) ? value : [value];
      return records.map((record) => ({
        container: readInspectedContainer(record),
        bindings: parsePortBindings(
          (record as { HostConfig?: { PortBindings?: unknown } } | null)?.HostConfig?.PortBindings,
        ),
      }));
    },
  },
  {
    name: 'passwd-group',
    modules: ['src/parsers/passwd.ts'],
    seeds: () => exampleFiles('etc/passwd', 'etc/group'),
    keywords: ['root:x:0:0:root:/root:/bin/bash', 'sudo:x:27:alice,bob', '+::::::', 'x:x:4294967296:0::/:/bin/sh'],
    secretLines: ['{SECRET}:x:1001:1001::/home/u:/bin/sh'],
    run: (input) => ({ passwd: parsePasswd(text(input)), group: parseGroup(text(input)) }),
  },
  {
    name: 'sudoers',
    modules: ['src/parsers/sudoers.ts'],
    seeds: () => exampleFiles('etc/sudoers'),
    keywords: [
      'User_Alias ADMINS = alice, %sudo, #1000',
      'ADMINS ALL=(ALL:ALL) NOPASSWD: ALL',
      '%#995 ALL=ALL',
      '@includedir /etc/sudoers.d',
      'Defaults env_keep += "A"',
      'alice ALL=(ALL) ALL, \\',
    ],
    secretLines: ['# {SECRET}', 'Defaults secure_path="{SECRET}"'],
    run: (input) => {
      const file = parseSudoers(text(input));
      return { file, expanded: expandPrincipals(['ADMINS', '%sudo', '!root'], file.userAliases) };
    },
  },
  {
    name: 'apt',
    modules: ['src/parsers/apt-config.ts'],
    seeds: () => exampleFiles('etc/apt/apt.conf.d/20auto-upgrades', 'etc/apt/apt.conf.d/50unattended-upgrades'),
    keywords: ['APT::Periodic::Unattended-Upgrade "1";', 'Unattended-Upgrade {', '};', '#clear APT;', '/* c', '*/'],
    secretLines: ['Acquire::http::Proxy "http://u:{SECRET}@proxy";', '// {SECRET}', '#include {SECRET}'],
    run: (input) => parseAptConfig(text(input)),
  },
  {
    name: 'dpkg',
    modules: ['src/parsers/dpkg-status.ts'],
    seeds: () => exampleFiles('var/lib/dpkg/status'),
    keywords: ['Package: unattended-upgrades', 'Status: install ok installed', 'Version: 2.9.1+nmu3', ' continuation'],
    secretLines: ['Description: {SECRET}'],
    run: (input) => parseDpkgStatus(text(input)),
  },
  {
    name: 'stacker-set',
    modules: ['src/stacks/signer-set.ts', 'src/parsers/exact-json.ts'],
    seeds: () =>
      texts(
        stackerSetText([
          { signing_key: key('alice'), weight: 3, stacked_amt: '120000000000' },
          { signing_key: key('bob'), weight: 1, stacked_amt: 99999999999999999999n },
        ]),
        stackerSetText([{ signing_key: key('carol'), weight: 1, stacked_amt: 1 }], { wrapped: false, version: 1 }),
      ),
    keywords: ['{"signing_key":"02', '"weight":1e400,', '"stacked_amt":-1', '[[[[', '"\\ud800"'],
    secretLines: ['"signing_key":"{SECRET}",'],
    run: (input) => parseStackerSet(text(input)),
    expectedError: (error) => error instanceof StackerSetError,
  },
  {
    name: 'exact-json',
    modules: ['src/parsers/exact-json.ts', 'src/stacks/release-pin.ts'],
    seeds: () => [...exampleFiles('etc/signer-opsec/release-pins.json'), ...seedFiles('.json')],
    keywords: ['{', '[', '"a":', '1e999,', '-0,', '"\\u0000",'],
    secretLines: ['"token": "{SECRET}",'],
    run: (input) => {
      let exact: unknown;
      try {
        exact = parseExactJson(text(input));
      } catch (error) {
        if (!(error instanceof JsonSyntaxError)) throw error;
        exact = { reason: error.reason };
      }
      return { exact, pin: parseReleasePin(text(input)) };
    },
  },
  {
    name: 'checksums',
    modules: ['src/parsers/checksums.ts'],
    seeds: () => texts(CHECKSUM_NAMES.map((name, i) => `${String(i).repeat(128)}  ${name}\n`).join('')),
    keywords: [`${'a'.repeat(128)} *./x.zip`, `${'c'.repeat(64)}  y.zip`, '  ', `${'A'.repeat(128)}  __proto__`],
    secretLines: ['{SECRET}  release.zip'],
    run: (input) => parseSha512Checksums(text(input)),
  },
  {
    name: 'zip',
    modules: ['src/release/zip-reader.ts'],
    binary: true,
    seeds: zipSeeds,
    run: async (input) => {
      const source = {
        size: input.length,
        read: async (position: number, length: number) =>
          input.subarray(position, Math.min(input.length, position + length)),
      };
      const entries = await listZipEntries(source);
      const digests = [];
      for (const entry of entries) if (entry.kind === 'file') digests.push(await hashZipEntry(source, entry));
      return { entries, digests };
    },
    expectedError: (error) => error instanceof ZipFormatError,
  },
  {
    name: 'tar',
    modules: ['src/target/tar-reader.ts'],
    binary: true,
    seeds: tarSeeds,
    run: (input) =>
      indexTar({ size: input.length, read: (offset, length) => input.subarray(offset, offset + length) }).nodes.size,
    expectedError: (error) => error instanceof TarFormatError,
  },
  {
    name: 'small-formats',
    modules: ['src/parsers/hosts.ts', 'src/parsers/os-release.ts', 'src/parsers/ini.ts', 'src/parsers/proc-net-tcp.ts'],
    seeds: () => [
      ...exampleFiles('etc/hosts', 'etc/os-release'),
      ...texts(
        '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n   0: 0100007F:7530 00000000:0000 0A 00000000:00000000 00:00000000 00000000   990        0 12345 1 0000000000000000 100 0 0 10 0\n',
        '[Unit]\nDescription=x\n[Install]\nWantedBy=multi-user.target\n',
      ),
    ],
    secretLines: ['PASSWORD={SECRET}', '10.0.0.1 {SECRET}'],
    run: (input) => ({
      hosts: parseHosts(text(input)),
      os: parseOsRelease(text(input)),
      ini: parseIni(text(input)),
      tcp: parseProcNetTcp(text(input)),
    }),
  },
  {
    name: 'ssh-destination',
    modules: ['src/parsers/ssh-destination.ts'],
    seeds: () => texts('admin@signer.example:2222', 'ssh://root@[2001:db8::1]:22', 'signer'),
    messagesMayQuote: "it parses the operator's own --host argument, not target content",
    run: (input) => parseSshDestination(text(input)),
  },
  {
    name: 'remote-proc',
    modules: ['src/parsers/remote-proc.ts'],
    binary: true,
    seeds: () => [
      Buffer.from(
        'S\0/root/etc/passwd\x00081a4\x000\x000\x00123\0\u2018/root/etc/passwd\u2019\0' +
          'S\0/root/etc/l\0a1ff\x000\x000\x007\0/root/etc/l -> passwd\0U\0/root/etc/ssl/private\0',
      ),
      Buffer.from(
        'Name:\tstacks-signer\tPid:\t990\tUid:\t990\t990\t990\t990\n/usr/local/bin/stacks-signer\0run\0--config\0/etc/s.toml\0\n' +
          'Name:\tsshd\tPid:\t1\tUid:\t0\n',
      ),
      Buffer.from(
        '/proc/990/exe\0/proc/990/exe -> /usr/local/bin/stacks-signer\0/proc/990/fd/3\0/proc/990/fd/3 -> socket:[12345]\0',
      ),
    ],
    run: (input) => ({
      stat: parseStatOutput(input, '/root'),
      processes: parseProcessLines(input),
      links: parseProcLinks(input),
    }),
  },
  {
    name: 'ansible-inventory',
    modules: ['src/parsers/ansible-inventory.ts', 'src/parsers/yaml-document.ts'],
    seeds: () =>
      texts(
        '[signers]\nsigner-[01:03].example ansible_user=admin ansible_port=2222\n[signers:vars]\nx=1\n[all:children]\nsigners\n',
        'all:\n  children:\n    signers:\n      hosts:\n        a.example:\n          ansible_host: 10.0.0.5\n',
        '{"_meta":{"hostvars":{"a":{"ansible_host":"10.0.0.5"}}},"signers":{"hosts":["a"]}}',
      ),
    keywords: ['[a:children]', 'h[0:99]', 'h[a:z]', 'ansible_ssh_pass={SECRET}'],
    secretLines: [
      'h ansible_ssh_pass={SECRET}',
      '        ansible_password: "{SECRET}"',
      '[{SECRET}',
      '  {SECRET}: {}',
      '        {SECRET}: 1',
      '{"{SECRET}": {"hosts": [1]}}',
    ],
    // Each format's parser once: the text as INI, as YAML, and by content (JSON when it is a JSON object, else INI when a
    // line is a [group] header, else YAML then INI). By content, a YAML text would be parsed as YAML a second time,
    // which doubled the library's cost on a 1 MB case (3.8 s, issue #18), so there only what decides the format runs.
    run: (input) => {
      const ini = parseInventory(text(input), 'inventory.ini');
      const yaml = parseInventory(text(input), 'inventory.yml');
      const sniffed = text(input).trimStart().startsWith('{') ? parseInventory(text(input), 'inventory') : undefined;
      return { ini, yaml, sniffed, header: hasIniHeader(text(input)) };
    },
  },
  {
    name: 'waivers',
    modules: ['src/parsers/waivers.ts', 'src/parsers/yaml-document.ts'],
    seeds: () =>
      texts(
        'waivers:\n  - id: access/sshd-root-login\n    reason: console only\n    expires: 2099-01-01\n    hosts: ["signer-*"]\n',
      ),
    keywords: ['  - id: x', '    expires: 2000-02-30', '    hosts: [', '    reason: "'],
    secretLines: ['    reason: "{SECRET}"'],
    run: (input) => parseWaivers(text(input), new Set(['access/sshd-root-login'])),
    expectedError: (error) => error instanceof WaiverFileError,
  },
  {
    // What sshd, nft, systemd-analyze and git say is reduced to a place and a category: never a word of the line.
    name: 'tool-messages',
    modules: ['src/parsers/tool-messages.ts'],
    seeds: () =>
      texts(
        '/etc/ssh/sshd_config line 3: no argument after keyword "stacks:$6$x"\n',
        '/etc/nftables.conf:4:1-5: Error: syntax error, unexpected junk\n',
        "/etc/systemd/system/stacks-signer.service:7: Unknown key name 'ExecStrat' in section 'Service', ignoring.\n",
        'fatal: bad config line 1 in file /root/.git/config\n',
      ),
    keywords: ['fatal: unable to read abc', 'error: "x" not understood'],
    secretLines: ['/etc/ssh/sshd_config line 1: no argument after keyword "{SECRET}"', 'fatal: {SECRET}'],
    run: (input) => ['sshd', 'nft', 'systemd-analyze', 'git'].map((tool) => describeToolOutput(tool, text(input))),
  },
  {
    // isIP's answer without compiling node's IPv6 expression for text that cannot be IPv6.
    name: 'ip-version',
    modules: ['src/parsers/ip-version.ts'],
    seeds: () => texts('10.0.0.1\n::1\nfe80::1%eth0\n2001:db8::/32\n1.2.3\n::ffff:1.2.3.4\n'),
    keywords: ['::', ':'.repeat(64), '255.255.255.255', '0x7f.1'],
    run: (input) =>
      text(input)
        .split('\n', 10_000)
        .map((line) => ipVersion(line)),
  },
  {
    // A waiver's host glob against host names: linear, whatever the glob (no backtracking on `*`).
    name: 'host-glob',
    modules: ['src/parsers/host-glob.ts'],
    seeds: () =>
      texts(
        'signer-*\nsigner-01.example\n',
        '[a-c]??-*.ex*ample\nbb1-x.example\n',
        '*a*a*a*a*a*b\naaaaaaaaaaaaaaaaaaaaaaaa\n',
      ),
    keywords: ['*'.repeat(64), '[!a-z]', '['],
    run: (input) => {
      const [glob = '', ...hosts] = text(input).split('\n', 200);
      return hosts.map((host) => hostMatches(glob, host));
    },
  },
];

/** Modules of src/parsers/ with nothing to fuzz on their own, and why (each is still run through a target above). */
export const NOT_PARSERS: Readonly<Record<string, string>> = {
  'src/parsers/lists.ts': 'appendAll/maxOf helpers, run by every parser that collects lists',
};

export function targetNamed(name: string): ParserTarget {
  const target = PARSER_TARGETS.find((candidate) => candidate.name === name);
  if (!target) throw new Error(`no fuzz target named ${name}; known: ${PARSER_TARGETS.map((t) => t.name).join(', ')}`);
  return target;
}
