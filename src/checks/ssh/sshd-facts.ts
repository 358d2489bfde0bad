import type { AuditContext } from '../../engine/context.js';
import type { Applicability } from '../../engine/define-check.js';
import type { Evidence } from '../../engine/types.js';
import type { SshdSetting } from '../../parsers/sshd-config.js';
import { at } from '../common.js';

export async function appliesToSshd(ctx: AuditContext): Promise<Applicability> {
  const sshd = await ctx.sshd();
  return sshd.present ? true : { notApplicable: 'no sshd on the target (no /etc/ssh/sshd_config, no sshd binary)' };
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
