// https://www.freedesktop.org/software/systemd/man/latest/systemd.service.html#Command%20lines — the ExecStart binary runs with the key in memory.

import { defineCheck } from '../../engine/define-check.js';
import {
  governingPaths,
  locateBinary,
  type NamedPrincipal,
  servicePrincipal,
  writersOf,
} from '../../facts/binaries/binary-files.js';
import { facts } from '../../facts/index.js';
import { appliesToSigner, octal, services } from '../../facts/services/discovered-services.js';

export default defineCheck({
  id: 'binary/not-writable-by-service',
  title: 'Only root can replace the signer binary',
  threats: ['binary-backdoor', 'host-compromise'],
  severity: 'high',
  description: [
    'The signer binary holds the key in memory. Whoever can replace it, or any directory on its path, gets the key at',
    'the next restart without ever reading the config. The binary (the ExecStart program of the signer unit, or the',
    "first `stacks-signer` on systemd's search path) and every directory above it must be owned by root, and none may be",
    'writable by the signer user, its groups, or every user. The node user counts too when a node is discovered: a',
    'compromised stacks-node must not be able to swap the binary that signs. Symlinks are followed: both the directories',
    'of the path as written and those of the file it resolves to are checked. A directory that is group-writable by a',
    'group neither service user belongs to is reported as evidence, not as a failure. A signer that runs as root can',
    'rewrite anything and fails here too. A missing binary is checked by its directories (whoever can create it decides',
    'what runs); a signer that runs only in a container is left to the container controls.',
    'Only the signer binary is judged: a writable stacks-node binary endangers the node, not the key.',
  ].join(' '),
  remediation:
    'Install the binary as root: `install -o root -g root -m 0755 stacks-signer /usr/local/bin/`; make each directory above it `root:root` without group/other write (`chown root:root DIR && chmod 0755 DIR`); never run the signer as root.',
  references: [
    'https://docs.stacks.co/operate/run-a-signer/opsec-best-practices',
    'https://www.freedesktop.org/software/systemd/man/latest/systemd.service.html#Command%20lines',
  ],
  messages: {
    safe: '{{path}} and every directory above it are owned by root and writable by no service user or other user.',
    writable: '{{path}} can be replaced by {{writers}}.',
    signerIsRoot: 'The signer runs as root, which can rewrite its own binary {{path}}.',
    missingSafe: 'The binary {{path}} is not there; the directories that would hold it are root-only.',
    container:
      'The signer runs in a container ({{image}}); its binary is part of the image (see the container and image controls).',
    notFound: '{{reason}}.',
  },
  applies: appliesToSigner,
  async run(ctx, report) {
    const { signer, node } = await services(ctx);
    if (!signer) return;
    const location = await locateBinary(ctx.target, signer);
    if (location.status === 'container')
      return report.notApplicable('container', { image: location.image ?? 'no image' }, location.evidence);
    if (location.status === 'unknown') return report.notApplicable('notFound', { reason: location.reason });
    if (location.status === 'missing' && !location.path.startsWith('/'))
      return report.notApplicable('notFound', { reason: location.evidence.detail }, location.evidence);
    const user = await facts(ctx).serviceUser(signer);
    if (user?.isRoot) return report.fail('signerIsRoot', { path: location.path }, user.evidence);

    const principals: NamedPrincipal[] = [];
    for (const service of [signer, node]) {
      const principal = service ? await servicePrincipal(ctx, service) : undefined;
      if (principal && !principals.some((known) => known.principal.uid === principal.principal.uid))
        principals.push(principal);
    }
    const users = await ctx.users();
    report.evidence(location.evidence);
    let offenders = 0;
    for (const { path, stat } of await governingPaths(ctx.target, location.path)) {
      const owner = users.user(stat.uid)?.name ?? `uid ${stat.uid}`;
      const group = users.group(stat.gid)?.name ?? `gid ${stat.gid}`;
      const detail = `${stat.type} ${octal(stat.mode)} ${owner}:${group}`;
      const writers = writersOf(stat, principals, users);
      if (writers.length > 0) {
        offenders += 1;
        report.fail('writable', { path, writers: writers.join(', ') }, { file: path, detail });
      } else if (stat.mode & 0o020 && stat.gid !== 0) {
        report.evidence({
          file: path,
          detail: `${detail}: group ${group} may write (neither service user is a member)`,
        });
      }
    }
    if (offenders > 0) return;
    if (location.status === 'missing') return report.pass('missingSafe', { path: location.path }, location.evidence);
    report.pass('safe', { path: location.path });
  },
});
