// `signer-opsec verify-release`: checks a release archive against CHECKSUMS.txt and records the SHA-256 of the
// binaries inside it in a pin file in the target's etc/, which `binary/release-pinned` compares with the installed ones.
import { existsSync, mkdirSync, realpathSync, statSync } from 'node:fs';
import { dirname, join, posix, relative, resolve, sep } from 'node:path';
import { verifyRelease } from '../release/verify-release.js';
import { serializeReleasePin } from '../stacks/release-pin.js';
import { CommandOutput } from './command-output.js';
import type { Parsed, VERIFY_RELEASE_OPTIONS } from './options.js';
import { UsageError } from './usage-error.js';
import { writeFileAtomic } from './write-output.js';

export async function verifyReleaseCommand({ values }: Parsed<typeof VERIFY_RELEASE_OPTIONS>): Promise<number> {
  if (!values.archive) throw new UsageError('verify-release: --archive FILE.zip is required');
  if (!values.checksums) throw new UsageError('verify-release: --checksums CHECKSUMS.txt is required');
  const pinPath = hostPinPath(values.root, values['pin-file']);
  const pin = await verifyRelease({
    archivePath: values.archive,
    checksumsPath: values.checksums,
    ...(values['release-version'] ? { version: values['release-version'] } : {}),
  });
  // Everything is verified: only now is anything created.
  const directory = dirname(pinPath.host);
  ensureInsideRoot(pinPath.root, deepestExisting(directory), values['pin-file']);
  mkdirSync(directory, { recursive: true, mode: 0o755 });
  ensureInsideRoot(pinPath.root, directory, values['pin-file']);
  // Inside the target root: a device or FIFO where the pin goes is refused, never written into.
  writeFileAtomic(pinPath.host, serializeReleasePin(pin), { mode: 0o644, existing: 'replace' });
  const out = new CommandOutput('verify-release', values);
  out.line(`${pin.release.archive}: SHA-512 matches ${values.checksums}`);
  for (const [name, binary] of Object.entries(pin.binaries))
    out.line(`  ${name}  sha256 ${binary.sha256}  ${binary.size} bytes`);
  out.line(
    `pinned ${Object.keys(pin.binaries).length} file(s)${pin.release.version ? ` of release ${pin.release.version}` : ''} in ${pinPath.host}`,
  );
  return out.finish(0, { pinFile: pinPath.host, binaries: pin.binaries });
}

/** The pin's host path: an absolute in-target path joined onto --root, which must be a directory. */
function hostPinPath(rootArg: string, pinFile: string): { root: string; host: string } {
  if (!pinFile.startsWith('/'))
    throw new UsageError(`--pin-file ${pinFile}: must be an absolute path inside the target`);
  const normal = posix.normalize(pinFile);
  if (normal.endsWith('/') || pinFile.split('/').includes('..'))
    throw new UsageError(`--pin-file ${pinFile}: must name a file, without ".." components`);
  let root: string;
  try {
    root = realpathSync(resolve(rootArg));
    if (!statSync(root).isDirectory()) throw new Error('not a directory');
  } catch {
    throw new UsageError(`--root ${rootArg}: not a directory (the pin file is written into the target's tree)`);
  }
  return { root, host: join(root, normal) };
}

function deepestExisting(path: string): string {
  let current = path;
  while (!existsSync(current) && dirname(current) !== current) current = dirname(current);
  return current;
}

/** A symlink inside --root (e.g. etc -> /etc) must not lead the write onto the auditing host. */
function ensureInsideRoot(root: string, directory: string, pinFile: string): void {
  const real = realpathSync(directory);
  const inside = relative(root, real);
  if (inside.startsWith(`..${sep}`) || inside === '..' || resolve(root, inside) !== real) {
    throw new Error(`--pin-file ${pinFile}: its directory resolves to ${real}, outside --root ${root}`);
  }
}
