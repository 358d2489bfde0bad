// https://github.com/stacks-network/stacks-core/releases — each release publishes CHECKSUMS.txt (sha512sum of the archives).

import { posix } from 'node:path';
import type { Service } from '../../discovery/types.js';
import { defineCheck } from '../../engine/define-check.js';
import { CheckError } from '../../engine/errors.js';
import {
  fileSha256,
  governingPaths,
  locateBinary,
  type NamedPrincipal,
  servicePrincipal,
  writersOf,
} from '../../facts/binaries/binary-files.js';
import { appliesToSigner, at, services } from '../../facts/services/discovered-services.js';
import { pinnedBinary } from '../../stacks/release-pin.js';

export default defineCheck({
  id: 'binary/release-pinned',
  title: 'The installed binaries are the ones of a verified release',
  threats: ['supply-chain', 'binary-backdoor'],
  severity: 'medium',
  description: [
    'stacks-core releases publish `CHECKSUMS.txt`, the SHA-512 of each release archive. `signer-opsec verify-release',
    '--archive linux-glibc-x64.zip --checksums CHECKSUMS.txt` checks the archive against it and records the SHA-256 of',
    'every binary inside in a pin file (default `/etc/signer-opsec/release-pins.json` in the target; `--pin-file` on',
    "both commands moves it). This control compares the installed signer binary (the unit's ExecStart program, else",
    "the first on systemd's search path), and the node binary when a node is discovered on the same host, with the pin,",
    'by file name. A different hash fails: the installed file is not what was verified (tampered, or an unverified',
    'upgrade). A binary the pin does not list fails too. No pin is a warning: nothing says where the binary came from. An',
    'unreadable or malformed pin is an error. The pin is only as trustworthy as its file: if the signer or node user can',
    'rewrite it (or a directory above it), it fails. A signer that runs only in a container is left to',
    '`binary/image-pinned`; a missing signer binary is not applicable here (`service/unit-consistency` reports it).',
  ].join(' '),
  remediation:
    'Download the release archive and CHECKSUMS.txt from https://github.com/stacks-network/stacks-core/releases, run `signer-opsec verify-release --archive <archive>.zip --checksums CHECKSUMS.txt --release-version <version>`, then install the binaries from that same archive as root (`install -o root -g root -m 0755 stacks-signer /usr/local/bin/`). Keep the pin file root-owned and 0644.',
  references: [
    'https://github.com/stacks-network/stacks-core/releases',
    'https://docs.stacks.co/operate/run-a-signer/opsec-best-practices',
  ],
  messages: {
    matches: '{{path}} matches the pin of {{release}} (SHA-256 {{hash}}).',
    mismatch: '{{path}} has SHA-256 {{actual}}, the pin of {{release}} expects {{expected}}: not the verified binary.',
    notPinned: 'The pin of {{release}} lists no "{{name}}"; {{path}} was not verified.',
    noPin: 'No release pin at {{pinPath}}: nothing records that {{path}} came from a verified release.',
    pinWritable: 'The pin {{pinPath}} can be replaced through {{file}} by {{writers}}: it proves nothing.',
    container: 'The signer runs in a container ({{image}}): see binary/image-pinned.',
    notFound: '{{reason}}.',
  },
  applies: appliesToSigner,
  async run(ctx, report) {
    const { signer, node } = await services(ctx);
    if (!signer) return;
    const location = await locateBinary(ctx.target, signer);
    if (location.status === 'container')
      return report.notApplicable('container', { image: location.image ?? 'no image' }, location.evidence);
    if (location.status !== 'found') {
      const reason = location.status === 'unknown' ? location.reason : location.evidence.detail;
      return report.notApplicable('notFound', { reason });
    }
    const pinState = await ctx.releasePin();
    if (pinState.status === 'absent') return report.warn('noPin', { pinPath: pinState.path, path: location.path });
    if (pinState.status === 'invalid')
      throw new CheckError(pinState.reason, at(pinState.path, undefined, 'release pin'));
    const { pin, path: pinPath } = pinState;
    const release = `${pin.release.archive}${pin.release.version ? ` ${pin.release.version}` : ''}`;
    report.evidence(at(pinPath, undefined, `${release}, verified ${pin.verifiedAt}`));

    // Each digest starts as soon as its binary is known, not after the one before it (a binary is a long read, or a
    // round trip to a remote host). They are judged, and a failed one thrown, in order below: the catch only keeps
    // one that is never awaited (after an earlier throw) from being an unhandled rejection.
    const digestOf = (path: string) => {
      const digest = fileSha256(ctx, path);
      digest.catch(() => {});
      return { path, digest };
    };
    const binaries = [digestOf(location.path)];
    const nodeLocation = node ? await locateBinary(ctx.target, node) : undefined;
    if (nodeLocation?.status === 'found') binaries.push(digestOf(nodeLocation.path));
    for (const { path, digest } of binaries) {
      const name = posix.basename(path);
      // The binary's name comes from the target: a binary named "constructor" must not find Object's.
      const pinned = pinnedBinary(pin, name);
      const actual = await digest;
      const evidence = at(path, undefined, `sha256 ${actual}`);
      if (!pinned) report.fail('notPinned', { release, name, path }, evidence);
      else if (pinned.sha256 !== actual)
        report.fail(
          'mismatch',
          { path, release, actual: actual.slice(0, 16), expected: pinned.sha256.slice(0, 16) },
          evidence,
        );
      else report.pass('matches', { path, release, hash: actual.slice(0, 16) }, evidence);
    }

    const principals = (
      await Promise.all(
        [signer, node]
          .filter((service): service is Service => service !== undefined)
          .map((service) => servicePrincipal(ctx, service)),
      )
    ).filter((principal): principal is NamedPrincipal => principal !== undefined);
    const users = await ctx.users();
    for (const { path, stat } of await governingPaths(ctx.target, pinPath)) {
      const writers = writersOf(stat, principals, users);
      if (writers.length > 0)
        report.fail(
          'pinWritable',
          { pinPath, file: path, writers: writers.join(', ') },
          at(path, undefined, `mode ${stat.mode.toString(8)}`),
        );
    }
  },
});
