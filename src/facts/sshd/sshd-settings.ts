import type { AuditContext } from '../../engine/context.js';
import type { Applicability } from '../../engine/define-check.js';
import { CheckError } from '../../engine/errors.js';
import type { Evidence } from '../../engine/types.js';
import type { SshdSetting } from '../../parsers/sshd-config.js';
import { at } from '../services/discovered-services.js';

export async function appliesToSshd(ctx: AuditContext): Promise<Applicability> {
  const sshd = await ctx.sshd();
  if (!sshd.present) return { notApplicable: 'no sshd on the target (no /etc/ssh/sshd_config, no sshd binary)' };
  // sshd exits at startup over an Include it cannot follow: no setting read from the rest can be trusted.
  const [first] = sshd.includeFailures;
  if (first) {
    const message = sshd.includeFailures.map((failure) => failure.message).join('; ');
    throw new CheckError(message, at(first.file, first.line, 'Include sshd cannot follow'));
  }
  return true;
}

/** Where a value came from: the file and line that set it, or sshd's built-in default. */
export function settingEvidence(name: string, setting: SshdSetting<unknown>): Evidence {
  return at(
    setting.file,
    setting.line,
    setting.file
      ? `${name} ${setting.written ?? String(setting.value)}`
      : `${name} ${String(setting.value)} (sshd default)`,
  );
}

/** Which view of sshd the verdict rests on: the running binary's `sshd -T`, or our reading of the files. */
export function sourceEvidence(source: 'sshd -T' | 'parser'): Evidence {
  return at(
    undefined,
    undefined,
    source === 'sshd -T'
      ? 'effective configuration from `sshd -T`'
      : 'effective configuration from the config files (offline parser; sshd not run)',
  );
}
