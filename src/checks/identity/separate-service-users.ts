// https://docs.stacks.co/operate/run-a-signer/opsec-best-practices — run the stacks-signer as a separate user from the stacks-node.
import { defineCheck } from '../../engine/define-check.js';
import { describeAccount, primaryGid, sameAccount } from '../../facts/accounts/service-accounts.js';
import { facts } from '../../facts/index.js';
import { absent, NO_NODE, NO_SIGNER } from '../../facts/services/discovered-services.js';

export default defineCheck({
  id: 'identity/separate-service-users',
  title: 'The signer and the node run as different users',
  threats: ['host-compromise'],
  severity: 'high',
  description: [
    'The stacks-node talks to the whole peer-to-peer network and is the process most likely to be compromised. When it runs',
    'as the same account as the signer, it can read the signer key, and when the two share a primary group, every file one',
    'of them creates group-readable is readable by the other.',
    '',
    "Each service's account comes from its effective systemd unit (`User=`, `Group=`), its compose `user:`, or, on a live",
    'host, the uid of its running process. Accounts are compared by uid when both are known, else by name; two services',
    'running as root share an account. A `DynamicUser=yes` unit without `User=` gets a uid of its own and never shares it;',
    'two DynamicUser units with the same `User=` name do share one. Primary groups are compared when both accounts exist in',
    "the target's /etc/passwd (a unit's `Group=` overrides the passwd group).",
    '',
    'Not applicable when the target runs no stacks-node (the signer then has no neighbour to be separated from).',
  ].join('\n'),
  remediation: [
    'Give each service its own system account and group, e.g. `useradd --system --user-group --shell /usr/sbin/nologin',
    'stacks-signer` and the same for `stacks-node`; set `User=`/`Group=` in each unit (or `user:` per compose service), chown',
    "each service's config and data to its own account, and restart both.",
  ].join(' '),
  references: ['https://docs.stacks.co/operate/run-a-signer/opsec-best-practices'],
  messages: {
    sameUser: 'The signer and the node both run as {{user}}: a compromised node can read the signer key.',
    sharedGroup:
      'The signer ({{signer}}) and the node ({{node}}) share the primary group {{group}}: files either one makes group-readable are readable by the other.',
    separate: 'The signer runs as {{signer}} and the node as {{node}}.',
    separateWithGroups: 'The signer runs as {{signer}} and the node as {{node}}, with different primary groups.',
    unknown: 'Cannot tell which user the {{role}} runs as (no User= in a unit, no compose user:, no running process).',
  },
  async applies(ctx) {
    const discovery = await ctx.discovery();
    const { signer, node } = discovery;
    if (!signer) return absent(discovery, NO_SIGNER);
    if (!node) return absent(discovery, NO_NODE);
    return true;
  },
  async run(ctx, report) {
    const { signer, node } = await ctx.discovery();
    if (!signer || !node) return;
    const signerAccount = await facts(ctx).serviceAccount(signer);
    const nodeAccount = await facts(ctx).serviceAccount(node);
    if (!signerAccount) report.notEvaluable('unknown', { role: 'signer' });
    if (!nodeAccount) report.notEvaluable('unknown', { role: 'node' });
    if (!signerAccount || !nodeAccount) return;

    const evidence = [signerAccount.evidence, nodeAccount.evidence];
    const names = { signer: describeAccount(signerAccount, signer), node: describeAccount(nodeAccount, node) };
    if (sameAccount(signerAccount, nodeAccount)) return report.fail('sameUser', { user: names.signer }, evidence);

    const users = await ctx.users();
    const bothInPasswd =
      signerAccount.source !== 'container' &&
      nodeAccount.source !== 'container' &&
      !signerAccount.dynamic &&
      !nodeAccount.dynamic &&
      signerAccount.uid !== undefined &&
      nodeAccount.uid !== undefined &&
      users.user(signerAccount.uid) !== undefined &&
      users.user(nodeAccount.uid) !== undefined;
    if (!bothInPasswd) return report.pass('separate', names, evidence);
    const signerGid = primaryGid(users, signer, signerAccount);
    const nodeGid = primaryGid(users, node, nodeAccount);
    if (signerGid !== undefined && signerGid === nodeGid) {
      return report.fail(
        'sharedGroup',
        { ...names, group: `${users.groupName(signerGid)} (gid ${signerGid})` },
        evidence,
      );
    }
    report.pass('separateWithGroups', names, evidence);
  },
});
