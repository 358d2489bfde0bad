// https://github.com/stacks-network/stacks-core/releases — releases ship CHECKSUMS.txt (sha512) and GitHub build-provenance attestations.
import { defineCheck } from '../../engine/define-check.js';

export default defineCheck({
  id: 'practice/verify-releases',
  title: 'Signer releases are verified before they are installed',
  threats: ['supply-chain'],
  severity: 'high',
  description: [
    'A binary swapped in transit or on a mirror runs with the signer key in memory. stacks-core releases publish',
    '`CHECKSUMS.txt` (the output of `sha512sum` over the release zips) and GitHub build-provenance attestations that tie each',
    'archive to the stacks-network/stacks-core workflow that built it. There are no GPG signatures. Whether they were checked',
    'at install time cannot be read from the host afterwards (`binary/release-pinned` compares the binary with a pin',
    'recorded at verification), so a person must confirm the routine.',
    '',
    'What good looks like, for every upgrade: download the archive (e.g. `linux-glibc-x64.zip`) and `CHECKSUMS.txt` from',
    'https://github.com/stacks-network/stacks-core/releases; run `sha512sum --check --ignore-missing CHECKSUMS.txt` and see',
    '`OK` for the archive; run `gh attestation verify linux-glibc-x64.zip --repo stacks-network/stacks-core` and see it',
    'verified; only then unzip and install with root ownership (`install -o root -g root -m 0755 stacks-signer',
    '/usr/local/bin/`). For containers, reference the image by digest (`ghcr.io/stacks-network/stacks-signer:<tag>@sha256:...`)',
    'and compare the digest with the release notes or docs. Release announcements come from the stacks-network GitHub',
    'organisation, not from links in chat.',
  ].join('\n'),
  remediation: [
    'Add the checksum and attestation steps to the upgrade runbook and do them on every upgrade: `sha512sum --check',
    '--ignore-missing CHECKSUMS.txt` and `gh attestation verify <archive> --repo stacks-network/stacks-core`. If the installed',
    'binary was never verified, download the same release again, verify it, and compare its SHA-256 with the installed file.',
  ].join(' '),
  references: [
    'https://github.com/stacks-network/stacks-core/releases',
    'https://cli.github.com/manual/gh_attestation_verify',
    'https://docs.stacks.co/operate/run-a-signer/opsec-best-practices',
  ],
  messages: {
    confirm:
      'Confirm every signer upgrade is verified before install: `sha512sum --check --ignore-missing CHECKSUMS.txt` reports OK for the archive and `gh attestation verify <archive> --repo stacks-network/stacks-core` succeeds (images: pinned by digest).',
    confirmBinary:
      'Confirm {{binary}} came from a verified release: `sha512sum --check --ignore-missing CHECKSUMS.txt` reports OK for its archive and `gh attestation verify <archive> --repo stacks-network/stacks-core` succeeds (images: pinned by digest).',
  },
  async run(ctx, report) {
    // Guidance must not depend on discovery working: without it, give the general form.
    const signer = await ctx.discovery().then(
      (discovery) => discovery.signer,
      () => undefined,
    );
    if (signer?.binary) report.manual('confirmBinary', { binary: signer.binary });
    else report.manual('confirm');
  },
});
