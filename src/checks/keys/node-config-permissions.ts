// https://github.com/stacks-network/stacks-core/blob/master/stackslib/src/config/mod.rs — the node config holds the auth token and wallet keys.
import { defineCheck } from '../../engine/define-check.js';
import { CONFIG_PERMISSION_MESSAGES, judgeConfigPermissions } from '../../facts/configs/config-permissions.js';
import { appliesToNodeConfig } from '../../facts/services/discovered-services.js';

export default defineCheck({
  id: 'keys/node-config-permissions',
  title: 'Only the node can read its config',
  threats: ['host-compromise'],
  severity: 'high',
  description: [
    "The node config holds secrets: `[connection_options] auth_token` (the signer's password towards the node), the",
    'bitcoind RPC `password`, and for a miner or a wallet-holding node `[node] seed` and `[miner] mining_key`. The file',
    "must give others no permission; the group may only read, and only when it is the node's own group (its user's",
    "primary group, else the file owner's): 0600/0400 pass, 0640 with the node's group is a warning, group write or",
    "read by another group (the signer's included: the two services should not read each other's secrets) fails (group root without members is ignored). Every",
    'directory above it must not be writable by group or others (sticky directories such as `/tmp` included); one owned by',
    'another user than root or the node user is a warning. Only file metadata is read, so a config that does not parse is',
    'judged too; a missing config is not applicable here.',
  ].join(' '),
  remediation:
    'Run `chown stacks-node:stacks-node <config> && chmod 600 <config>` (or `root:stacks-node` with 640) and `chmod go-w` every directory above it; keep it under /etc/stacks/node.',
  references: [
    'https://github.com/stacks-network/stacks-core/blob/master/stackslib/src/config/mod.rs',
    'https://man7.org/linux/man-pages/man7/inode.7.html',
  ],
  messages: CONFIG_PERMISSION_MESSAGES,
  applies: appliesToNodeConfig,
  run: (ctx, report) => judgeConfigPermissions(ctx, 'node', report),
});
