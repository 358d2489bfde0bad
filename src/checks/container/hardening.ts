// https://docs.docker.com/engine/security/ — privileges, capabilities and mounts of the signer container.

import { posix } from 'node:path';
import type { ComposeMount, ComposeService } from '../../discovery/compose.js';
import { containerConfigPath } from '../../discovery/compose.js';
import type { AuditContext } from '../../engine/context.js';
import { defineCheck } from '../../engine/define-check.js';
import type { Evidence } from '../../engine/types.js';
import { parseContainerUser } from '../../facts/accounts/service-accounts.js';
import { containerEvidence, containerLabel } from '../../facts/containers/stacks-containers.js';
import { facts } from '../../facts/index.js';
import { absent } from '../../facts/services/discovered-services.js';

const DOCKER_SOCKETS = ['/var/run/docker.sock', '/run/docker.sock'];

/**
 * A bind that hands the container the engine's socket: the socket itself, or any directory above it (`/run`,
 * `/var/run`, `/`), since the socket is then reachable inside; or a target named docker.sock (a socket moved elsewhere).
 */
function mountsDockerSocket(mount: ComposeMount): boolean {
  if (!mount.bind) return false;
  const source = posix.normalize(mount.source).replace(/(.)\/+$/, '$1');
  const coversSocket = DOCKER_SOCKETS.some(
    (socket) => socket === source || socket.startsWith(source === '/' ? '/' : `${source}/`),
  );
  return coversSocket || posix.basename(posix.normalize(mount.target)) === 'docker.sock';
}

function socketGap(mount: ComposeMount): string {
  const source = posix.normalize(mount.source);
  if (DOCKER_SOCKETS.includes(source)) return `mounts the Docker socket ${source}`;
  if (posix.basename(posix.normalize(mount.target)) === 'docker.sock')
    return `mounts ${source} as ${mount.target}, a Docker socket`;
  return `mounts ${source} at ${mount.target}, which holds the Docker socket`;
}

/** `no-new-privileges`, `no-new-privileges:true` or `=true` (compose and `docker run --security-opt` spellings). */
function setsNoNewPrivileges(options: readonly string[]): boolean {
  return options.some((option) => /^no-new-privileges(?:[:=]true)?$/i.test(option.trim()));
}

function dropsAll(capDrop: readonly string[]): boolean {
  return capDrop.some((capability) => capability.trim().toUpperCase() === 'ALL');
}

/** Capabilities as the engine names them: `CAP_NET_ADMIN` and `net_admin` are `NET_ADMIN`. */
function capabilityName(capability: string): string {
  return capability.trim().toUpperCase().replace(/^CAP_/, '');
}

/** What the container keeps: with ALL dropped, exactly what cap_add gives back (the engine applies cap_add last). */
function capabilityGap(container: ComposeService): string | undefined {
  if (!dropsAll(container.capDrop))
    return "does not drop all capabilities (Docker's default set includes CHOWN, DAC_OVERRIDE, SETUID, NET_RAW)";
  const added = [...new Set(container.capAdd.map(capabilityName).filter(Boolean))];
  if (added.length === 0) return undefined;
  return `drops all capabilities but adds back ${added.join(', ')}`;
}

interface Finding {
  ok: boolean;
  gap: string;
  good: string;
  key: string;
  detail: string;
}

/** The mount that brings the config into the container, when one does. */
function configMount(container: ComposeService) {
  const inside = containerConfigPath(container);
  if (!inside) return undefined;
  return container.mounts
    .filter(
      (mount) => inside === mount.target || inside.startsWith(`${posix.normalize(mount.target).replace(/\/$/, '')}/`),
    )
    .sort((a, b) => b.target.length - a.target.length)[0];
}

function findings(container: ComposeService): Finding[] {
  const setting = (compose: string, engine: string) => (container.origin === 'compose' ? compose : engine);
  const socket = container.mounts.find(mountsDockerSocket);
  const capabilities = capabilityGap(container);
  const user = parseContainerUser(container.user);
  const list = [
    {
      ok: !container.privileged,
      gap: 'runs privileged (every capability and device of the host)',
      good: 'not privileged',
      key: 'privileged',
      detail: container.privileged ? `${setting('privileged: true', 'HostConfig.Privileged')}` : 'not privileged',
    },
    {
      ok: container.networkMode !== 'host',
      gap: "shares the host's network namespace (network_mode: host)",
      good: 'has its own network namespace',
      key: 'network_mode',
      detail: `network mode ${container.networkMode ?? 'default'}`,
    },
    {
      ok: !socket,
      gap: `${socket ? socketGap(socket) : ''} (root on the host to whoever controls the container)`,
      good: 'mounts no Docker socket',
      key: 'volumes',
      detail: socket ? `mounts ${socket.source}:${socket.target}` : 'no Docker socket mount',
    },
    {
      ok: setsNoNewPrivileges(container.securityOpt),
      gap: 'does not set no-new-privileges',
      good: 'sets no-new-privileges',
      key: 'security_opt',
      detail: `${setting('security_opt', 'HostConfig.SecurityOpt')}: ${container.securityOpt.join(', ') || 'none'}`,
    },
    {
      ok: capabilities === undefined,
      gap: capabilities ?? '',
      good: 'drops all capabilities',
      key: 'cap_drop',
      detail: `${setting('cap_drop', 'HostConfig.CapDrop')}: ${container.capDrop.join(', ') || 'none'}${container.capAdd.length > 0 ? `; cap_add: ${container.capAdd.join(', ')}` : ''}`,
    },
    {
      ok: container.readOnlyRootfs,
      gap: 'has a writable root filesystem',
      good: 'has a read-only root filesystem',
      key: 'read_only',
      detail: container.readOnlyRootfs
        ? 'read-only root filesystem'
        : setting('no read_only: true', 'ReadonlyRootfs false'),
    },
    {
      ok: !user.root,
      gap: 'runs as root (no non-root user; the official image has no USER)',
      good: `runs as ${user.written}`,
      key: 'user',
      detail: user.written === '' ? `no ${setting('user:', 'Config.User')}` : `user ${user.written}`,
    },
  ];
  return list;
}

async function judge(ctx: AuditContext, container: ComposeService) {
  const gaps: string[] = [];
  const evidence: Evidence[] = [];
  const passed: string[] = [];
  for (const finding of findings(container)) {
    const found = await containerEvidence(ctx, container, finding.key, finding.detail);
    if (finding.ok) passed.push(finding.good);
    else {
      gaps.push(finding.gap);
      evidence.push(found);
    }
  }
  const mount = configMount(container);
  let configGap: 'writable' | 'unmounted' | undefined;
  if (!mount) configGap = 'unmounted';
  else if (!mount.readOnly) {
    configGap = 'writable';
    gaps.push(`mounts its config read-write (${mount.source}:${mount.target})`);
    evidence.push(await containerEvidence(ctx, container, 'volumes', `${mount.source}:${mount.target} without :ro`));
  } else passed.push('mounts its config read-only');
  return { gaps, evidence, passed, configGap };
}

export default defineCheck({
  id: 'container/hardening',
  title: 'The signer container runs confined',
  threats: ['host-compromise'],
  severity: 'high',
  description: [
    "A container is only a boundary if it is configured as one. For each signer container (compose service, the engine's",
    'state under `/var/lib/docker/containers`, a `--docker-inspect` file or the live engine), every gap is named:',
    '',
    '- `privileged: true`: the container gets every capability and the host devices; it is root on the host.',
    "- `network_mode: host`: the signer's unauthenticated endpoint and metrics sit on the host's interfaces.",
    '- a mount of `/var/run/docker.sock` or `/run/docker.sock`, or of a directory holding one (`/run`, `/var/run`, `/var`,',
    '  `/`), or any bind whose target is named `docker.sock`: control of the engine is root on the host.',
    '- no `security_opt: [no-new-privileges:true]`: setuid binaries in the image can raise privileges.',
    "- no `cap_drop: [ALL]`: Docker's default capability set stays (the signer needs none); `cap_drop: [ALL]` with a",
    '  `cap_add` gives those capabilities back, and they are named.',
    '- no `read_only: true`: a compromised process can rewrite the image files it runs from.',
    '- the config (holding the key) bind-mounted without `:ro`: the container can rewrite its own key file and config.',
    '- no non-root `user:`: the official images have no `USER` and run as root.',
    '',
    'Any gap fails. A config that no mount brings in (baked into the image, or a path discovery could not map) is a warning:',
    'the key then lives in an image layer or somewhere this audit cannot see.',
  ].join('\n'),
  remediation: [
    'In the signer service set `user: "<uid>:<gid>"` (a non-zero uid owning the config and data), `read_only: true`,',
    '`cap_drop: [ALL]`, `security_opt: ["no-new-privileges:true"]`, mount the config with `:ro`',
    '(`./signer-config.toml:/signer-config.toml:ro`) and the database directory as the only writable volume; remove',
    '`privileged`, `network_mode: host` and any docker.sock mount; then `docker compose up -d`.',
  ].join(' '),
  references: [
    'https://docs.docker.com/engine/security/',
    'https://docs.docker.com/reference/compose-file/services/',
    'https://cheatsheetseries.owasp.org/cheatsheets/Docker_Security_Cheat_Sheet.html',
  ],
  messages: {
    hardened: 'The {{container}} is confined: {{passed}}.',
    gaps: 'The {{container}} {{gaps}}.',
    configUnmounted:
      'No mount of the {{container}} brings in its config ({{path}}): the key is in the image or where the audit cannot see it.',
  },
  async applies(ctx) {
    return (await facts(ctx).stacksContainers()).some((container) => container.role === 'signer')
      ? true
      : absent(
          await ctx.discovery(),
          'no signer container found (compose files, docker engine state, --docker-inspect)',
        );
  },
  async run(ctx, report) {
    for (const container of await facts(ctx).stacksContainers()) {
      if (container.role !== 'signer') continue;
      const label = containerLabel(container);
      const { gaps, evidence, passed, configGap } = await judge(ctx, container);
      if (gaps.length > 0) report.fail('gaps', { container: label, gaps: gaps.join('; ') }, evidence);
      else report.pass('hardened', { container: label, passed: passed.join(', ') });
      if (configGap === 'unmounted')
        report.warn(
          'configUnmounted',
          { container: label, path: containerConfigPath(container) ?? 'unknown' },
          await containerEvidence(ctx, container, 'volumes', 'no mount covers the config'),
        );
    }
  },
});
