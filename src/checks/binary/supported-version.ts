// https://github.com/stacks-network/stacks-core/releases — only the latest release is supported upstream.

import { defineCheck } from '../../engine/define-check.js';
import type { Evidence } from '../../engine/types.js';
import { fileSha256, locateBinary } from '../../facts/binaries/binary-files.js';
import { appliesToSigner, at, services } from '../../facts/services/discovered-services.js';
import { pinnedVersion } from '../../stacks/release-pin.js';
import {
  assessVersion,
  MINIMUM_SUPPORTED_VERSION,
  parseVersion,
  parseVersionOutput,
  type StacksVersion,
  versionOfImageTag,
} from '../../stacks/version.js';
import { UnprivilegedRunRefusedError } from '../../target/errors.js';

/** `--version` answers at once; a binary that does not is not waited for. */
export const VERSION_TIMEOUT_MS = 3000;

interface Found {
  version: StacksVersion;
  source: string;
  /** Set when the binary was built from a modified tree. */
  dirtyCommit?: string;
  evidence: Evidence;
}

export default defineCheck({
  id: 'binary/supported-version',
  title: 'The signer version is supported and not known to be bad',
  threats: ['binary-backdoor', 'supply-chain'],
  severity: 'medium',
  description: [
    'The signer version comes from, in order: (1) on the live host only, `stacks-signer --version` run directly (no',
    'shell), with nothing but that flag, a 3-second timeout, and as `nobody` (the binary is the thing under audit, so it',
    "never runs with the auditor's privileges: when the audit is not root it can't drop to nobody, and the binary is not",
    'run at all); every historical output format is understood; (2) the version recorded in the release pin',
    'by `signer-opsec verify-release --release-version`, used only while the installed binary still has the pinned',
    "SHA-256; (3) the tag of the signer's container image (`…/stacks-signer:4.0.1@sha256:…`). It fails when the version is",
    `3.3.0.0.6.0 (its database migration could corrupt the signer database) or older than ${MINIMUM_SUPPORTED_VERSION},`,
    'the latest release this tool knows: below 3.4.0.0.4.0 the signer accepts high-S signatures, below 4.0.2 it silently',
    'ignores unknown config keys and misses a mainnet stall fix, and upstream supports only the latest release. A binary',
    'built from a modified source tree (`+` after the commit) is a warning. When no source gives a version (an offline',
    'image without a pin, an image tagged `latest`), the result is `not_evaluable`.',
  ].join(' '),
  remediation: `Upgrade the signer to ${MINIMUM_SUPPORTED_VERSION} or later from https://github.com/stacks-network/stacks-core/releases, verified with \`signer-opsec verify-release … --release-version <version>\`; for containers, pin the new image tag by digest.`,
  references: ['https://github.com/stacks-network/stacks-core/releases', 'https://docs.stacks.co/operate/run-a-signer'],
  messages: {
    supported: 'stacks-signer {{version}} ({{source}}) is supported.',
    knownBad: 'stacks-signer {{version}} ({{source}}) is a known-bad version: {{reasons}}.',
    tooOld: `stacks-signer {{version}} ({{source}}) is older than ${MINIMUM_SUPPORTED_VERSION}: {{reasons}}.`,
    dirty: 'stacks-signer {{version}} ({{source}}) was built from a modified source tree (commit {{commit}}+).',
    unknown: 'The signer version cannot be told: {{reasons}}.',
  },
  applies: appliesToSigner,
  async run(ctx, report) {
    const { signer } = await services(ctx);
    if (!signer) return;
    const reasons: string[] = [];
    const found = await findVersion();
    if (!found) return report.notEvaluable('unknown', { reasons: reasons.join('; ') });
    const { version, source, evidence } = found;
    report.data({ version: version.version, source });
    const assessment = assessVersion(version);
    const data = { version: version.version, source, reasons: assessment.reasons.join('; ') };
    if (assessment.knownBad) return report.fail('knownBad', data, evidence);
    if (assessment.belowMinimum) return report.fail('tooOld', data, evidence);
    if (found.dirtyCommit)
      return report.warn('dirty', { version: version.version, source, commit: found.dirtyCommit }, evidence);
    report.pass('supported', { version: version.version, source }, evidence);

    async function findVersion(): Promise<Found | undefined> {
      const location = await locateBinary(ctx.target, signer!);
      if (location.status === 'found' && ctx.target.live) {
        try {
          const result = await ctx.target.run(location.path, ['--version'], {
            timeoutMs: VERSION_TIMEOUT_MS,
            unprivileged: true,
          });
          const output = parseVersionOutput(result.stdout);
          if (output) {
            const detail = `${location.path} --version: ${output.version} (${output.commit}${output.dirty ? '+' : ''}, ${output.build} build)`;
            return {
              version: output,
              source: `${location.path} --version`,
              ...(output.dirty ? { dirtyCommit: output.commit } : {}),
              evidence: at(location.path, undefined, detail),
            };
          }
          const first = (result.stdout.split('\n')[0] ?? '').slice(0, 120);
          reasons.push(`${location.path} --version printed no known format ("${first}", exit ${result.code})`);
        } catch (error) {
          if (error instanceof UnprivilegedRunRefusedError) reasons.push(error.message);
          else reasons.push(`${location.path} --version: ${error instanceof Error ? error.message : String(error)}`);
        }
      } else if (location.status === 'found') {
        reasons.push(`${location.path} is not run on an offline target`);
      }
      const pinState = await ctx.releasePin();
      if (pinState.status === 'ok' && location.status === 'found') {
        const recorded = pinnedVersion(pinState.pin, 'stacks-signer');
        const pinned = pinState.pin.binaries['stacks-signer'];
        if (!recorded || !pinned) reasons.push(`the pin ${pinState.path} records no signer version`);
        else if (pinned.sha256 !== (await fileSha256(ctx, location.path)))
          reasons.push(
            `${location.path} is not the binary pinned in ${pinState.path}, so its recorded version says nothing`,
          );
        else
          return {
            version: parseVersion(recorded)!,
            source: `pinned in ${pinState.path}`,
            evidence: at(
              pinState.path,
              undefined,
              `stacks-signer ${recorded}, sha256 ${pinned.sha256.slice(0, 16)} matches ${location.path}`,
            ),
          };
      } else if (pinState.status === 'absent') {
        reasons.push(`no release pin at ${pinState.path}`);
      } else if (pinState.status === 'invalid') {
        reasons.push(pinState.reason);
      }
      const image = signer!.container?.image;
      if (image) {
        const tagged = versionOfImageTag(image);
        if (tagged)
          return {
            version: tagged,
            source: `image tag of ${image}`,
            evidence: at(signer!.container!.file, undefined, `image: ${image}`),
          };
        reasons.push(`the image ${image} has no version tag`);
      }
      return undefined;
    }
  },
});
