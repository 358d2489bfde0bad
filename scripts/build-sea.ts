// Builds the single executable and the .deb into build/ (gitignored):
//   build/sea/signer-opsec            Node's single executable application: the esbuild bundle of the CLI injected
//                                     (postject) into a copy of this node binary; runs where no Node is installed.
//   build/deb/signer-opsec_<v>_amd64.deb  /usr/bin/signer-opsec, its man page and bash/zsh/fish completions.
// Usage: npm run build:sea (after `npm run build`: it bundles dist/ and ships dist/man, dist/completions).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { arch } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const BUILD = join(ROOT, 'build');
const SEA_ROOT = '/__signer-opsec-sea__/';
// The sentinel fuse Node's SEA support looks for (documented in https://nodejs.org/api/single-executable-applications.html).
const FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

function run(command: string, args: string[]): void {
  execFileSync(command, args, { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}

/** What the executable is made of: a rebuild is needed only when one of these changed. */
function inputsKey(): string {
  const hash = createHash('sha256').update(process.version).update(readFileSync(process.execPath).subarray(0, 4096));
  const walk = (directory: string): void => {
    for (const entry of readdirSync(directory, { withFileTypes: true }).sort((a, b) => a.name.localeCompare(b.name))) {
      const path = join(directory, entry.name);
      if (entry.isDirectory()) walk(path);
      else hash.update(path).update(readFileSync(path));
    }
  };
  for (const directory of ['dist/src', 'dist/man', 'dist/completions', 'data']) walk(join(ROOT, directory));
  for (const file of ['dist/scripts/sea-entry.js', 'dist/scripts/build-sea.js', 'package.json', 'package-lock.json'])
    hash.update(file).update(readFileSync(join(ROOT, file)));
  return hash.digest('hex');
}

/** The executable and the .deb, rebuilt only when their inputs changed (tests and the bench share one build). */
export async function cachedBuild(): Promise<{ binary: string; deb: string; rebuilt: boolean }> {
  const key = inputsKey();
  const stamp = join(BUILD, 'inputs.sha256');
  const binary = join(BUILD, 'sea', 'signer-opsec');
  const deb = join(BUILD, 'deb', debName());
  if (existsSync(binary) && existsSync(deb) && existsSync(stamp) && readFileSync(stamp, 'utf8') === key)
    return { binary, deb, rebuilt: false };
  rmSync(stamp, { force: true });
  await buildSea();
  buildDeb(binary);
  writeFileSync(stamp, key);
  return { binary, deb, rebuilt: true };
}

function debName(): string {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  return `signer-opsec_${version}_${arch() === 'x64' ? 'amd64' : arch()}.deb`;
}

export async function buildSea(): Promise<string> {
  const out = join(BUILD, 'sea');
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const { build } = await import('esbuild');
  await build({
    entryPoints: [join(ROOT, 'dist/scripts/sea-entry.js')],
    bundle: true,
    platform: 'node',
    target: 'node20',
    format: 'cjs',
    outfile: join(out, 'bundle.cjs'),
    define: { 'import.meta.url': JSON.stringify(`file://${SEA_ROOT}dist/src/cli/bundle.js`) },
    logLevel: 'error',
    legalComments: 'none',
  });
  const config = {
    main: join(out, 'bundle.cjs'),
    output: join(out, 'sea-prep.blob'),
    disableExperimentalSEAWarning: true,
    useCodeCache: true,
    assets: {
      'package.json': join(ROOT, 'package.json'),
      'data/published-secrets.json': join(ROOT, 'data/published-secrets.json'),
      'data/bip39-english.txt': join(ROOT, 'data/bip39-english.txt'),
    },
  };
  writeFileSync(join(out, 'sea-config.json'), JSON.stringify(config, null, 2));
  run(process.execPath, ['--experimental-sea-config', join(out, 'sea-config.json')]);
  const binary = join(out, 'signer-opsec');
  copyFileSync(process.execPath, binary);
  chmodSync(binary, 0o755);
  // Distribution builds of node may carry debug info (Debian's: ~60 MB of it); the executable does not need it.
  run('strip', ['--strip-debug', binary]);
  run(process.execPath, [
    join(ROOT, 'node_modules/postject/dist/cli.js'),
    binary,
    'NODE_SEA_BLOB',
    join(out, 'sea-prep.blob'),
    '--sentinel-fuse',
    FUSE,
  ]);
  return binary;
}

export function buildDeb(binary: string): string {
  const version = (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version;
  const architecture = arch() === 'x64' ? 'amd64' : arch();
  const stage = join(BUILD, 'deb', 'root');
  rmSync(join(BUILD, 'deb'), { recursive: true, force: true });
  const place = (from: string, to: string, mode: number) => {
    mkdirSync(join(stage, to, '..'), { recursive: true });
    copyFileSync(from, join(stage, to));
    chmodSync(join(stage, to), mode);
  };
  place(binary, 'usr/bin/signer-opsec', 0o755);
  const man = readFileSync(join(ROOT, 'dist/man/signer-opsec.1'));
  mkdirSync(join(stage, 'usr/share/man/man1'), { recursive: true });
  writeFileSync(join(stage, 'usr/share/man/man1/signer-opsec.1.gz'), execFileSync('gzip', ['-9n'], { input: man }));
  place(join(ROOT, 'dist/completions/signer-opsec.bash'), 'usr/share/bash-completion/completions/signer-opsec', 0o644);
  place(join(ROOT, 'dist/completions/_signer-opsec'), 'usr/share/zsh/vendor-completions/_signer-opsec', 0o644);
  place(
    join(ROOT, 'dist/completions/signer-opsec.fish'),
    'usr/share/fish/vendor_completions.d/signer-opsec.fish',
    0o644,
  );
  mkdirSync(join(stage, 'DEBIAN'), { recursive: true });
  writeFileSync(
    join(stage, 'DEBIAN/control'),
    [
      'Package: signer-opsec',
      `Version: ${version}`,
      `Architecture: ${architecture}`,
      'Maintainer: signer-opsec maintainers <signer-opsec@users.noreply.github.com>',
      'Section: admin',
      'Priority: optional',
      'Depends: libc6 (>= 2.28), libstdc++6, libgcc-s1',
      'Description: OpSec audit, secret scanning and hardening for Stacks signer hosts',
      ' A single executable (Node.js embedded): no Node installation is needed on the signer host.',
      '',
    ].join('\n'),
  );
  const deb = join(BUILD, 'deb', debName());
  run('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', stage, deb]);
  return deb;
}

const isMain = process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1];
if (isMain) {
  const { binary, deb, rebuilt } = await cachedBuild();
  process.stdout.write(`${binary}\n${deb}\n${rebuilt ? 'built' : 'unchanged (cached)'}\n`);
}
