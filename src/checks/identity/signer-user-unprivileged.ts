// https://docs.stacks.co/operate/run-a-signer/opsec-best-practices — run the stacks-signer under a distinct unprivileged user account.
import type { SudoersGrant } from '../../discovery/sudoers.js';
import { defineCheck } from '../../engine/define-check.js';
import type { Evidence } from '../../engine/types.js';
import { grantCovers, PRIVILEGED_GROUPS } from '../../facts/accounts/privileges.js';
import { describeAccount, heldGroups } from '../../facts/accounts/service-accounts.js';
import { facts } from '../../facts/index.js';
import { appliesToSigner, at } from '../../facts/services/discovered-services.js';

const NON_LOGIN_SHELLS = new Set(['nologin', 'false']);
const AUTHORIZED_KEY_FILES = ['authorized_keys', 'authorized_keys2'];

function grantEvidence(grant: SudoersGrant): Evidence {
  return at(grant.file, grant.line, `sudoers rule for ${grant.principal}${grant.noPassword ? ' (NOPASSWD)' : ''}`);
}

export default defineCheck({
  id: 'identity/signer-user-unprivileged',
  title: "The signer's user holds no privilege",
  threats: ['host-compromise'],
  severity: 'high',
  description: [
    "A separate signer account only helps if it can't climb out of itself. Whoever controls the signer process (or its",
    "account) must not be able to become root, read other services' secrets, or log in.",
    '',
    'The signer account fails when it:',
    '',
    `- is in a privileged group, as primary group, /etc/group member, or through the unit's \`Group=\`/\`SupplementaryGroups=\`: ${Object.keys(
      PRIVILEGED_GROUPS,
    )
      .map((group) => `\`${group}\``)
      .join(', ')};`,
    '- is named by any sudoers rule (`/etc/sudoers` and its `@include`/`@includedir` files, User_Alias expanded): by name,',
    '  `#uid`, `%group` or `%#gid` of any group it holds, or `ALL`. A rule fails whether or not it asks for a password;',
    '- has a login shell other than `nologin` or `false` in /etc/passwd;',
    '- has a non-empty `~/.ssh/authorized_keys` or `authorized_keys2` in its home (even with nologin, a key allows SSH port',
    '  forwarding into the signer endpoint). Only the default `AuthorizedKeysFile` locations are looked at.',
    '',
    'Each gap is named with the file and line that grants it.',
    '',
    'A signer running as root fails outright. A `DynamicUser=yes` account has no passwd entry, shell or home: only its',
    "unit's groups and sudoers rules are checked. A container's user lives in the image's user database, not the host's: host",
    'groups, sudoers, shells and keys do not apply to it (`container/hardening` covers the container).',
  ].join('\n'),
  remediation: [
    'Remove the signer account from privileged groups (`gpasswd -d stacks-signer <group>`) and from `Group=`/`SupplementaryGroups=`,',
    'delete sudoers rules that name it or its groups (edit with `visudo`), set its shell with `usermod -s /usr/sbin/nologin',
    'stacks-signer`, and remove `~stacks-signer/.ssh/authorized_keys*`: administrators log in as themselves.',
  ].join(' '),
  references: [
    'https://docs.stacks.co/operate/run-a-signer/opsec-best-practices',
    'https://www.sudo.ws/docs/man/sudoers.man/',
  ],
  messages: {
    root: 'The signer runs as root: it holds every privilege.',
    privilegedGroup: 'The signer user {{user}} is in group {{group}}: {{why}}.',
    sudoRule: 'A sudoers rule for {{principal}} covers the signer user {{user}}{{nopasswd}}.',
    loginShell: 'The signer user {{user}} has the login shell {{shell}}.',
    authorizedKeys: 'The signer user {{user}} has SSH keys in {{path}} ({{bytes}} bytes).',
    sudoersProblem: 'Part of the sudoers configuration could not be read ({{problem}}); rules in it were not checked.',
    unprivileged:
      'The signer user {{user}} is in no privileged group, no sudoers rule names it, it has no login shell and no authorized SSH keys.',
    dynamic:
      'The signer runs as {{user}}: no passwd entry, shell or home; its unit adds no privileged group and no sudoers rule names it.',
    container:
      'The signer runs in compose service {{service}} as {{user}}; host groups, sudoers, shells and SSH keys do not apply inside it.',
    unknownUser:
      "The signer user {{user}} is not in the target's /etc/passwd: its groups, shell and home can't be checked.",
    unknown: 'Cannot tell which user the signer runs as (no User= in a unit, no compose user:, no running process).',
  },
  applies: appliesToSigner,
  async run(ctx, report) {
    const { signer } = await ctx.discovery();
    if (!signer) return;
    const account = await facts(ctx).serviceAccount(signer);
    if (!account) return report.notEvaluable('unknown');
    const user = describeAccount(account, signer);
    if (account.isRoot) return report.fail('root', {}, account.evidence);
    if (account.source === 'container') {
      return report.pass('container', { service: signer.container?.name ?? '?', user }, account.evidence);
    }
    const users = await ctx.users();
    const entry = account.dynamic || account.uid === undefined ? undefined : users.user(account.uid);
    if (!account.dynamic && !entry) return report.notEvaluable('unknownUser', { user }, account.evidence);

    const groups = heldGroups(users, signer, account);
    let gaps = 0;
    for (const group of groups) {
      const why = PRIVILEGED_GROUPS[group.name];
      if (why === undefined) continue;
      gaps += 1;
      report.fail('privilegedGroup', { user, group: group.name, why }, group.evidence);
    }

    const sudoers = await ctx.sudoers();
    const name = entry?.name ?? account.name;
    for (const grant of sudoers.grants) {
      if (!grantCovers(grant.principal, { ...(name ? { name } : {}), ...(entry ? { uid: entry.uid } : {}) }, groups))
        continue;
      gaps += 1;
      const nopasswd = grant.noPassword ? ', without a password (NOPASSWD)' : '';
      report.fail('sudoRule', { principal: grant.principal, user, nopasswd }, grantEvidence(grant));
    }

    if (entry) {
      const shell = entry.shell || '/bin/sh';
      if (!NON_LOGIN_SHELLS.has(shell.slice(shell.lastIndexOf('/') + 1))) {
        gaps += 1;
        report.fail('loginShell', { user, shell }, at('/etc/passwd', entry.line, `${entry.name}: shell ${shell}`));
      }
      const sshDir = `${entry.home.replace(/\/+$/, '')}/.ssh`;
      for (const file of AUTHORIZED_KEY_FILES) {
        const path = `${sshDir}/${file}`;
        const stat = await ctx.target.stat(path).catch(() => undefined);
        if (stat?.type !== 'file' || stat.size === 0) continue;
        gaps += 1;
        report.fail(
          'authorizedKeys',
          { user, path, bytes: stat.size },
          at(path, undefined, `${stat.size} bytes of authorized keys`),
        );
      }
    }
    // Fail closed: a sudoers file that could not be read may grant the signer user root, so it is an error (exit 2),
    // never a warn that `--fail-on` lets pass; a failure already found stands, with the unread files as evidence.
    for (const problem of sudoers.problems) {
      if (gaps > 0) report.evidence(at(undefined, undefined, `not checked: ${problem}`));
      else report.error('sudoersProblem', { problem }, at(undefined, undefined, problem));
    }
    if (gaps > 0 || sudoers.problems.length > 0) return;
    if (account.dynamic) report.pass('dynamic', { user }, account.evidence);
    else report.pass('unprivileged', { user }, account.evidence);
  },
});
