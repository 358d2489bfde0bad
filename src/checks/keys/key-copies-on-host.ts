// https://docs.stacks.co/operate/run-a-signer/signer-configuration — the key belongs in the signer config only.
import { posix } from 'node:path';
import { defineCheck } from '../../engine/define-check.js';
import type { Evidence } from '../../engine/types.js';
import { absent, at, NO_SIGNER, octal, parsedConfig } from '../../facts/services/discovered-services.js';
import { operatorKeyFromHex } from '../../secrets/operator-key.js';
import type { Finding } from '../../secrets/types.js';
import { scanTree, targetTree } from '../../secrets/walk.js';
import { parsePrivateKeyHexLenient } from '../../stacks/keys.js';

/**
 * Where copies are left behind while deploying: shell histories, home directories, backups (/var/backups holds dpkg's
 * and admins' copies of /etc), service state (/var/lib), local configs, caches, temp and log files.
 */
const FIXED_LOCATIONS = [
  '/etc',
  '/root',
  '/home',
  '/tmp',
  '/var/tmp',
  '/var/log',
  '/var/backups',
  '/var/lib',
  '/var/cache',
  '/usr/local/etc',
  '/opt',
  '/srv',
];
/** Directory levels below each location: deep enough for ~/deploy/stacks/.env, shallow enough to stay fast. */
const MAX_DEPTH = 6;
/** Files larger than this are noted, not read (a key copy is a small text file; big logs are rotated). */
const MAX_FILE_BYTES = 4 * 1024 * 1024;
/** Kernel and device trees never hold files worth reading and may block. */
const NEVER = ['/proc', '/sys', '/dev', '/run'];
/**
 * Bulk stores under /var that hold other systems' files or package data, never an operator's copy: container image
 * layers, snaps, package caches and databases. Walking them would cost minutes on a busy host.
 */
const BULK_STORES = new Set([
  '/var/lib/docker',
  '/var/lib/containerd',
  '/var/lib/containers',
  '/var/lib/snapd',
  '/var/lib/flatpak',
  '/var/lib/lxd',
  '/var/lib/apt',
  '/var/lib/dpkg',
  '/var/cache/apt',
  '/var/cache/man',
  '/var/cache/debconf',
]);
/** Chain data of a Stacks node or bitcoind (gigabytes of blocks and indexes), wherever its working directory is. */
const CHAIN_DATA_DIRS = new Set(['chainstate', 'burnchain', 'blocks', 'indexes']);

function isBulk(path: string): boolean {
  if (BULK_STORES.has(path) || NEVER.includes(path)) return true;
  return path.startsWith('/var/') && CHAIN_DATA_DIRS.has(posix.basename(path));
}
const MAX_EVIDENCE = 20;

export default defineCheck({
  id: 'keys/key-copies-on-host',
  title: 'The signer key exists nowhere on the host but its config',
  threats: ['host-compromise'],
  severity: 'critical',
  description: [
    'Every extra copy of the signer key is one more file an intruder, a backup job or a careless `cat` can leak: the',
    'key pasted into a shell (`~/.bash_history`), an editor backup (`signer.toml~`, `.bak`, `.swp`), a compose `.env`',
    'that seeded the config, a copy in `/tmp` or a log. The control reads the key from the discovered signer config and',
    'searches, through the target, every regular file under /etc, /root, /home, /tmp, /var/tmp, /var/log, /var/backups,',
    '/var/lib, /var/cache, /usr/local/etc, /opt, /srv, the home directories of the signer user (or the owner of its',
    'config) and of login users, and the directory holding the config (6 levels deep; files over 4 MiB (with a note),',
    'symlinks and `.git` directories are skipped, and so are container and package stores such as /var/lib/docker,',
    '/var/lib/containerd, /var/lib/dpkg, /var/cache/apt and chain data directories (`chainstate`, `burnchain`, `blocks`,',
    '`indexes`) under /var; binary files such as vim swap files are read) for that one key in every encoding: 64 or 66',
    'hex, with or without `0x`, in any case, the base64 of its bytes, and the base64 of its hex text (a Kubernetes or',
    'Docker secret, `echo $KEY | base64`). Only that exact key matches, so there are no false positives. The config',
    'itself is excluded, at its discovered path and at its real path when that is a symlink. A copy readable by all users',
    '(mode o+r) fails as critical; copies only their owner or group can read fail as high, because they still outlive',
    'the config and travel with backups. A missing or invalid key is left to `keys/key-format`; git repositories are',
    'covered by `keys/key-in-git`.',
  ].join(' '),
  remediation:
    'Delete every listed copy (`shred -u FILE`; for a shell history, remove the line with `history -d N` and rewrite the file), keep the key only in the signer config (mode 0600), and pass it to tools by file, never on a command line. If a copy was world-readable or left the host in a backup, rotate the key.',
  references: [
    'https://docs.stacks.co/operate/run-a-signer/signer-configuration',
    'https://www.gnu.org/software/bash/manual/html_node/Bash-History-Builtins.html',
  ],
  messages: {
    copies: 'The signer key (fingerprint {{fingerprint}}) has {{count}} copies outside its config: {{files}}.',
    none: 'No copy of the signer key (fingerprint {{fingerprint}}) in {{scanned}} files outside its config.',
    noKey: 'The signer config holds no valid key to look for ({{reason}}); see keys/key-format.',
  },
  async applies(ctx) {
    const discovery = await ctx.discovery();
    const { signer } = discovery;
    if (!signer) return absent(discovery, NO_SIGNER);
    if (signer.config.status === 'unknown') return { notApplicable: signer.config.reason };
    return true;
  },
  async run(ctx, report) {
    const { signer } = await ctx.discovery();
    const { path: configPath, parsed } = parsedConfig(signer!.config);
    const value = parsed.config.stacksPrivateKey ?? '';
    const parsedKey = parsePrivateKeyHexLenient(value);
    const key = parsedKey.ok ? operatorKeyFromHex(value) : undefined;
    if (!key) {
      report.notApplicable('noKey', { reason: parsedKey.ok ? 'not a key' : parsedKey.message });
      return;
    }
    const users = await ctx.users();
    const serviceUser = signer!.declaredUser;
    // The config's owner is the signer's user when no unit names one (a well-known config found on its own).
    const configOwner = signer!.config.status === 'ok' ? signer!.config.stat.uid : undefined;
    const homes = users.users
      .filter((user) => user.uid === 0 || user.uid >= 1000 || user.name === serviceUser || user.uid === configOwner)
      .map((user) => user.home)
      .filter((home) => home.startsWith('/') && home !== '/' && !NEVER.some((skip) => home.startsWith(skip)));
    const roots = [...new Set([...FIXED_LOCATIONS, ...homes, posix.dirname(configPath)])]
      .sort()
      // A root inside another root is walked already.
      .filter((root, _i, all) => !all.some((other) => other !== root && root.startsWith(`${other}/`)));
    // A config reached through a symlink lives at its real path, which the walk meets as an ordinary file.
    const configRealPath = await ctx.target.realpath(configPath).catch(() => configPath);
    const result = await scanTree(targetTree(ctx.target), roots, {
      keyFrom: key,
      maxFileBytes: MAX_FILE_BYTES,
      maxDepth: MAX_DEPTH,
      // Vim swap files and other binaries hold copies too; the exact-key search cannot misfire on binary bytes.
      includeBinary: true,
      skip: (path) => path === configPath || path === configRealPath || isBulk(path),
    });
    const byFile = new Map<string, Finding[]>();
    for (const finding of result.findings) byFile.set(finding.file, [...(byFile.get(finding.file) ?? []), finding]);
    if (byFile.size === 0) {
      report.pass('none', { fingerprint: key.fingerprint, scanned: result.stats.filesScanned });
      if (result.warnings.length > 0)
        report.evidence(result.warnings.slice(0, MAX_EVIDENCE).map((warning) => at(undefined, undefined, warning)));
      return;
    }
    const evidence: Evidence[] = [];
    let worldReadable = false;
    for (const [file, findings] of byFile) {
      const stat = await ctx.target.lstat(file);
      const readableByAll = stat !== undefined && (stat.mode & 0o004) !== 0;
      worldReadable ||= readableByAll;
      const mode = stat ? `mode ${octal(stat.mode)}${readableByAll ? ', readable by all users' : ''}` : 'mode unknown';
      for (const finding of findings.slice(0, 3)) {
        if (evidence.length < MAX_EVIDENCE) evidence.push(at(file, finding.line, `a copy of the key (${mode})`));
      }
    }
    if (!worldReadable) report.lowerSeverity('high', 'every copy is readable only by its owner or group');
    report.fail(
      'copies',
      { fingerprint: key.fingerprint, count: result.findings.length, files: [...byFile.keys()].join(', ') },
      evidence,
    );
  },
});
