// https://docs.stacks.co/operate/run-a-signer/opsec-best-practices — supply chain attack against stacks-signer source code and its dependencies.
import { defineCheck } from '../../engine/define-check.js';

export default defineCheck({
  id: 'practice/source-builds',
  title: 'Source builds are reproducible and their dependencies reviewed',
  threats: ['supply-chain'],
  severity: 'medium',
  description: [
    'Operators who build stacks-signer from source inherit every crate in its dependency tree. A build that resolves',
    'dependencies afresh (no lockfile, or `cargo update` before building) can pull a just-published malicious version;',
    'a build from a branch tip instead of a release tag can include unreviewed commits. How the binary was built is not',
    'visible on the host, so a person must confirm it. Operators who install verified release binaries only can',
    'confirm this as not used.',
    '',
    'What good looks like: clone https://github.com/stacks-network/stacks-core, check out a release tag and confirm',
    '`git rev-parse HEAD` matches the commit shown on the release page (or `git tag -v` if the tag is signed); review',
    'the changes to `Cargo.lock` since the previously deployed tag (`git diff <old-tag> <new-tag> -- Cargo.lock`), and',
    'audit them (`cargo audit`, `cargo vet` or `cargo deny check`); build with `cargo build --locked --release -p',
    'stacks-signer` so the lockfile cannot change; build on a clean, dedicated build machine (not the signer host, which',
    'then needs no compiler); record the SHA-256 of `target/release/stacks-signer` and install that file only.',
  ].join('\n'),
  remediation: [
    'Build only from release tags with `cargo build --locked --release`, review and audit `Cargo.lock` changes between',
    'deployed tags, build away from the signer host, and record the SHA-256 of what you install so',
    '`binary/release-pinned` can compare against it.',
  ].join(' '),
  references: [
    'https://doc.rust-lang.org/cargo/commands/cargo-build.html#manifest-options',
    'https://github.com/stacks-network/stacks-core',
    'https://docs.stacks.co/operate/run-a-signer/opsec-best-practices',
  ],
  messages: {
    confirm:
      'If you build stacks-signer from source: confirm it is built from a release tag with `cargo build --locked --release`, on a separate build machine, after reviewing and auditing the Cargo.lock changes since the last deployed tag.',
  },
  run(_ctx, report) {
    report.manual('confirm');
  },
});
