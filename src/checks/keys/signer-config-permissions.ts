// https://docs.stacks.co/operate/run-a-signer/opsec-best-practices — the signer config holds the private key in plain text.
import { defineCheck } from '../../engine/define-check.js';
import { CONFIG_PERMISSION_MESSAGES, judgeConfigPermissions } from '../../facts/configs/config-permissions.js';
import { appliesToSignerConfig } from '../../facts/services/discovered-services.js';

export default defineCheck({
  id: 'keys/signer-config-permissions',
  title: 'Only the signer can read its config',
  threats: ['host-compromise'],
  severity: 'critical',
  description: [
    'The signer config holds `stacks_private_key` and `auth_password` in plain text: whoever reads it owns the signer key.',
    "The file must give others no permission at all; the group may only read, and only when the group is the signer's own",
    "(its user's primary group; when no unit, container or process names the user, the file owner's primary group):",
    "0600/0400 pass, 0640 with the signer's group is a warning, group write or a group read by another group (e.g. `adm`,",
    "`users`, the node's group) fails (group root without members gives no one access and is ignored). Every directory above the config (both the path as written and its real path when",
    'symlinks are involved) must not be writable by group or others, since whoever can write a directory can swap the',
    'config for one with their key or endpoint: a sticky shared directory such as `/tmp` fails too. A directory owned by',
    'another user than root or the signer is a warning (its owner can rename the config away). Only file metadata is',
    'read, so a config that does not parse is judged as well; a missing config is not applicable here.',
  ].join(' '),
  remediation:
    'Run `chown stacks-signer:stacks-signer <config> && chmod 600 <config>` (or `chown root:stacks-signer` and `chmod 640` if root manages it) and `chmod go-w` every directory above it; keep the config under /etc/stacks/signer (root-owned, 0755 or tighter), never in /tmp or a home directory.',
  references: [
    'https://docs.stacks.co/operate/run-a-signer/opsec-best-practices',
    'https://man7.org/linux/man-pages/man7/inode.7.html',
  ],
  messages: CONFIG_PERMISSION_MESSAGES,
  applies: appliesToSignerConfig,
  run: (ctx, report) => judgeConfigPermissions(ctx, 'signer', report),
});
