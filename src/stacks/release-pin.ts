// The pin file `signer-opsec verify-release` writes after checking a release archive against its CHECKSUMS.txt,
// and `binary/release-pinned` / `binary/supported-version` read. Pure: JSON text in, a validated pin out.
import { parseVersion } from './version.js';

/** Where the pin lives inside the target unless `--pin-file` says otherwise. */
export const DEFAULT_PIN_PATH = '/etc/signer-opsec/release-pins.json';

export interface PinnedBinary {
  sha256: string;
  size: number;
  version?: string;
}

export interface ReleasePin {
  schemaVersion: 1;
  release: { archive: string; sha512: string; version?: string };
  /** By file name inside the archive (`stacks-signer`, `stacks-node`, …). */
  binaries: Record<string, PinnedBinary>;
  /** ISO 8601 time of the verification. */
  verifiedAt: string;
}

export type PinParse = { ok: true; pin: ReleasePin } | { ok: false; reason: string };

const HEX = (length: number) => new RegExp(`^[0-9a-f]{${length}}$`);

export function parseReleasePin(text: string): PinParse {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, reason: `not JSON (${(error as Error).message})` };
  }
  const fail = (reason: string): PinParse => ({ ok: false, reason });
  if (!isObject(value)) return fail('not a JSON object');
  if (value.schemaVersion !== 1) return fail(`schemaVersion is ${JSON.stringify(value.schemaVersion)}, expected 1`);
  const { release, binaries, verifiedAt } = value;
  if (!isObject(release)) return fail('"release" is not an object');
  if (typeof release.archive !== 'string' || release.archive === '') return fail('"release.archive" is not a name');
  if (typeof release.sha512 !== 'string' || !HEX(128).test(release.sha512))
    return fail('"release.sha512" is not 128 lower-case hex characters');
  const releaseVersion = optionalVersion(release.version, 'release.version');
  if (releaseVersion instanceof Error) return fail(releaseVersion.message);
  if (typeof verifiedAt !== 'string' || Number.isNaN(Date.parse(verifiedAt)))
    return fail('"verifiedAt" is not an ISO 8601 time');
  if (!isObject(binaries) || Object.keys(binaries).length === 0) return fail('"binaries" is empty or not an object');
  const pinned: Record<string, PinnedBinary> = {};
  for (const [name, entry] of Object.entries(binaries)) {
    if (!isObject(entry)) return fail(`"binaries.${name}" is not an object`);
    if (typeof entry.sha256 !== 'string' || !HEX(64).test(entry.sha256))
      return fail(`"binaries.${name}.sha256" is not 64 lower-case hex characters`);
    if (typeof entry.size !== 'number' || !Number.isSafeInteger(entry.size) || entry.size < 0)
      return fail(`"binaries.${name}.size" is not a byte count`);
    const version = optionalVersion(entry.version, `binaries.${name}.version`);
    if (version instanceof Error) return fail(version.message);
    setOwn(pinned, name, { sha256: entry.sha256, size: entry.size, ...(version ? { version } : {}) });
  }
  return {
    ok: true,
    pin: {
      schemaVersion: 1,
      release: {
        archive: release.archive,
        sha512: release.sha512,
        ...(releaseVersion ? { version: releaseVersion } : {}),
      },
      binaries: pinned,
      verifiedAt,
    },
  };
}

/** `record[name] = value` that makes an own key even of "__proto__" (an assignment would set the prototype). */
export function setOwn<T>(record: Record<string, T>, name: string, value: T): void {
  Object.defineProperty(record, name, { value, enumerable: true, writable: true, configurable: true });
}

export function serializeReleasePin(pin: ReleasePin): string {
  return `${JSON.stringify(pin, null, 2)}\n`;
}

/** The version a pin records for one binary: its own, else the release's. */
export function pinnedVersion(pin: ReleasePin, binary: string): string | undefined {
  return pinnedBinary(pin, binary)?.version ?? pin.release.version;
}

/** The pin of one binary; undefined for a name the release did not hold, "constructor" and "toString" included. */
export function pinnedBinary(pin: ReleasePin, binary: string): PinnedBinary | undefined {
  return Object.hasOwn(pin.binaries, binary) ? pin.binaries[binary] : undefined;
}

function optionalVersion(value: unknown, field: string): string | undefined | Error {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !parseVersion(value)) return new Error(`"${field}" is not a version like 4.0.2`);
  return value;
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
