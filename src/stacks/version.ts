// Versions of stacks-signer / stacks-node: every historical `--version` format (stacks-facts.md §4), image tags
// (§5) and the versions worth flagging. Pure: text in, data out.

export interface StacksVersion {
  /** As printed: "4.0.1", "3.3.0.0.6.0". */
  version: string;
  /** Numeric components, for comparison. */
  parts: number[];
  /** "-rc1" and the like, without the dash; sorts before the same version without it. */
  preRelease?: string;
}

export interface VersionOutput extends StacksVersion {
  program: 'stacks-signer' | 'stacks-node';
  /** Short commit the binary was built from. */
  commit: string;
  /** Branch when printed (≤ 3.2: "release/3.1.0.0.0.0:dd1ebe6"). */
  branch?: string;
  /** A "+" after the commit: built from a tree with uncommitted changes. */
  dirty: boolean;
  build: 'release' | 'debug';
  os: string;
  arch: string;
}

const VERSION = /^(\d+(?:\.\d+){1,6})(?:-([0-9A-Za-z][0-9A-Za-z.]*))?$/;

/**
 * `stacks-signer 4.0.1 (62e03cc, release build, linux [x86_64])` (≥ 3.4.0.0.2), the program name doubled
 * (3.3.0.0.0–3.4.0.0.1) and `(release/3.1.0.0.0.0:dd1ebe6, …)` with the branch (≤ 3.2); `+` after the commit for a
 * dirty tree. The loose pattern of stacks-facts.md §4, also accepted for stacks-node.
 */
const VERSION_LINE =
  /^(stacks-signer|stacks-node) (?:\1 )?(\S+) \((?:(\S+):)?([0-9a-f]+)(\+)?, (release|debug) build, (\S+) \[(\S+)\]\)$/;

export function parseVersion(text: string): StacksVersion | undefined {
  const match = VERSION.exec(text.trim());
  if (!match) return undefined;
  const parts = match[1]!.split('.').map(Number);
  if (parts.some((part) => !Number.isSafeInteger(part))) return undefined;
  return { version: text.trim(), parts, ...(match[2] ? { preRelease: match[2] } : {}) };
}

/** The first non-empty line of `--version` output, parsed; undefined when it is no known format. */
export function parseVersionOutput(output: string): VersionOutput | undefined {
  const line = output.split('\n').find((candidate) => candidate.trim() !== '');
  if (line === undefined) return undefined;
  const match = VERSION_LINE.exec(line.trim());
  if (!match) return undefined;
  const version = parseVersion(match[2]!);
  if (!version) return undefined;
  return {
    ...version,
    program: match[1] as VersionOutput['program'],
    ...(match[3] ? { branch: match[3] } : {}),
    commit: match[4]!,
    dirty: match[5] === '+',
    build: match[6] as VersionOutput['build'],
    os: match[7]!,
    arch: match[8]!,
  };
}

/** Numeric, component by component, missing components count as 0 (3.3.0.0.6 == 3.3.0.0.6.0); a pre-release sorts first. */
export function compareVersions(a: StacksVersion, b: StacksVersion): number {
  const length = Math.max(a.parts.length, b.parts.length);
  for (let i = 0; i < length; i += 1) {
    const difference = (a.parts[i] ?? 0) - (b.parts[i] ?? 0);
    if (difference !== 0) return Math.sign(difference);
  }
  if (a.preRelease === b.preRelease) return 0;
  if (a.preRelease === undefined) return 1;
  if (b.preRelease === undefined) return -1;
  return a.preRelease < b.preRelease ? -1 : 1;
}

/**
 * The version of an image reference's tag: `ghcr.io/stacks-network/stacks-signer:4.0.1@sha256:…` → 4.0.1,
 * `…:3.3.0.0.6-debian` → 3.3.0.0.6. Undefined for `latest`, a digest-only reference or no tag.
 */
export function versionOfImageTag(image: string): StacksVersion | undefined {
  const withoutDigest = image.split('@')[0] ?? '';
  const lastSlash = withoutDigest.lastIndexOf('/');
  const colon = withoutDigest.indexOf(':', lastSlash + 1);
  if (colon < 0) return undefined;
  const tag = withoutDigest.slice(colon + 1).replace(/-(debian|alpine)$/, '');
  return parseVersion(tag);
}

// Only the latest release is supported upstream; 4.0.2 is the latest tag stacks-facts.md was checked against.
export const MINIMUM_SUPPORTED_VERSION = '4.0.2';

interface VersionConcern {
  /** The concern applies to versions below this one… */
  below?: string;
  /** …or to exactly this one. */
  exactly?: string;
  reason: string;
}

/** The versions worth flagging, from stacks-facts.md §4. */
export const VERSION_CONCERNS: readonly VersionConcern[] = [
  { exactly: '3.3.0.0.6.0', reason: 'its database migration could corrupt the signer database (fixed in 3.4.0.0.0.0)' },
  { below: '3.4.0.0.4.0', reason: 'accepts high-S signatures (fixed in 3.4.0.0.4.0)' },
  {
    below: '4.0.2',
    reason: 'silently ignores unknown config keys, so a typo disables a setting; misses a mainnet stall fix (4.0.2)',
  },
];

export interface VersionAssessment {
  knownBad: boolean;
  belowMinimum: boolean;
  reasons: string[];
}

export function assessVersion(version: StacksVersion): VersionAssessment {
  const reasons: string[] = [];
  let knownBad = false;
  for (const concern of VERSION_CONCERNS) {
    if (concern.exactly && compareVersions(version, parseVersion(concern.exactly)!) === 0) {
      knownBad = true;
      reasons.push(concern.reason);
    }
    if (concern.below && compareVersions(version, parseVersion(concern.below)!) < 0) reasons.push(concern.reason);
  }
  const belowMinimum = compareVersions(version, parseVersion(MINIMUM_SUPPORTED_VERSION)!) < 0;
  return { knownBad, belowMinimum, reasons };
}
