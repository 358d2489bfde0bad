// https://www.freedesktop.org/software/systemd/man/latest/systemd.exec.html#Sandboxing — what a stacks unit's
// drop-in must say, decided from the effective unit and the layout: the signer must still read its config, write
// its database, bind its endpoint and reach its node. Pure: no Target, no file system.

import { HOME_AREAS, isAtOrBelow, normalisePath } from '../../facts/services/sandbox-paths.js';
import { dynamicUser } from '../../facts/services/unit-settings.js';
import { classifyHost } from '../../net/address.js';
import { findConfigArg, parseExecCommand } from '../../parsers/exec-command.js';
import { ipVersion } from '../../parsers/ip-version.js';
import type { EffectiveUnit } from '../../parsers/systemd-unit.js';
import { withConfig } from '../layout.js';
import { isSystemDirectory } from '../permissions/rules.js';
import { isStateDirectory } from '../service-directories.js';
import type { NodeLayout, SignerLayout } from '../types.js';
import { fixConditions } from './conditions.js';
import { type DropInFacts, unsafeUnitPath, type WritableDirectory } from './render-drop-in.js';

/** Which unit, for which service, laid out how. */
export type ServiceTarget =
  | { role: 'signer'; unitName: string; unitPath: string; layout: SignerLayout }
  | { role: 'node'; unitName: string; unitPath: string; layout: NodeLayout };

export type ServiceInput = ServiceTarget & { unit: EffectiveUnit };

export interface ServiceFacts {
  facts?: DropInFacts;
  /** The argv ExecStart= will run and the paths read from it. */
  argv?: string[];
  config?: string;
  binary?: string;
  /** User= changes (to the layout's account). */
  userChanges: boolean;
  notes: string[];
  errors: string[];
}

const PRIVILEGED_PORT_LIMIT = 1024;

function currentArgv(unit: EffectiveUnit): string[] | undefined {
  const execStart = unit.list('Service', 'ExecStart').at(-1);
  return execStart ? parseExecCommand(execStart.value)?.argv : undefined;
}

/** argv with --config set to `config` when it names another file; undefined when it already names it. */
function configFixedArgv(
  argv: string[] | undefined,
  role: ServiceInput['role'],
  config: string | undefined,
): string[] | undefined {
  if (!argv || !config || findConfigArg(argv, role) === config) return undefined;
  return withConfig(argv, role === 'signer' ? 'run' : 'start', config);
}

/**
 * Where the service writes: StateDirectory= for a directory of its own below /var/lib (systemd creates it and hands
 * it to User= at every start), a bind under a home area, else ReadWritePaths=. A shared directory is never a
 * StateDirectory=: systemd would chown everything in it.
 */
export function writableDirectory(directory: string, dedicated: boolean): WritableDirectory {
  const path = normalisePath(directory);
  if (HOME_AREAS.some((area) => isAtOrBelow(path, area))) return { kind: 'bind', path };
  if (dedicated && isStateDirectory(path)) return { kind: 'state', name: path.slice('/var/lib/'.length) };
  return { kind: 'path', path };
}

function isUnderHome(path: string): boolean {
  return HOME_AREAS.some((area) => isAtOrBelow(path, area));
}

function writableOf(input: ServiceInput): { path?: string; dedicated: boolean; problem?: string } {
  if (input.role === 'signer') {
    const { dbDirectory, dbDirectoryDedicated, dbProblem } = input.layout;
    return {
      ...(dbDirectory !== undefined ? { path: dbDirectory } : {}),
      dedicated: dbDirectoryDedicated === true,
      ...(dbProblem !== undefined ? { problem: dbProblem } : {}),
    };
  }
  const { workingDirectory, workingDirectoryDedicated, workingDirectoryProblem } = input.layout;
  return {
    ...(workingDirectory !== undefined ? { path: workingDirectory } : {}),
    dedicated: workingDirectoryDedicated === true,
    ...(workingDirectoryProblem !== undefined ? { problem: workingDirectoryProblem } : {}),
  };
}

function portsOf(input: ServiceInput): number[] {
  const ports = input.role === 'signer' ? [input.layout.endpoint?.port] : [input.layout.p2pPort, input.layout.rpcPort];
  return [
    ...new Set(ports.filter((port): port is number => port !== undefined && port > 0 && port < PRIVILEGED_PORT_LIMIT)),
  ].sort((a, b) => a - b);
}

/**
 * IPAddressAllow= entries besides localhost: the node's addresses and this host's own the signer uses (a local node
 * posting to a private endpoint connects from it); undefined (with a note) when the node cannot be pinned.
 */
function egressOf(layout: SignerLayout, notes: string[], errors: string[]): string[] | undefined {
  if (layout.nodeAddressUnknown !== undefined) {
    notes.push(
      `node_host ${layout.nodeAddressUnknown} is a name the target's /etc/hosts does not map, so the signer's egress is not narrowed (no IPAddressDeny=): pin it with an /etc/hosts entry and plan again. service/egress-restricted stays failing until then.`,
    );
    return undefined;
  }
  const allow: string[] = [];
  for (const address of [...layout.nodeAddresses, ...(layout.localAddresses ?? [])]) {
    if (ipVersion(address) === 0) {
      errors.push(`the node address ${JSON.stringify(address)} from the layout is not an IP address`);
      continue;
    }
    // localhost already covers 127.0.0.0/8 and ::1.
    if (classifyHost(address) !== 'loopback' && !allow.includes(address)) allow.push(address);
  }
  return allow;
}

/** The drop-in facts of one unit, with notes for the operator and errors that stop this unit's drop-in. */
export function serviceFacts(input: ServiceInput): ServiceFacts {
  const { role, unit, layout, unitName } = input;
  const notes: string[] = [];
  const errors: string[] = [];
  // The layout sees the unit with our earlier drop-in applied (its ExecStart already fixed); this planner sees it
  // without, so it re-derives the fix from the unit as the operator wrote it: the same drop-in on every plan.
  const execStart = layout.execStart ?? configFixedArgv(currentArgv(unit), role, layout.configTarget);
  const argv = execStart ? [...execStart] : currentArgv(unit);
  if (!argv || argv.length === 0) {
    errors.push(`${unitName}: ExecStart= names no command harden can read; fix the unit by hand`);
    return { userChanges: false, notes, errors };
  }
  const binary = argv[0]!;
  const configArg = findConfigArg(argv, role);
  const config = configArg?.startsWith('/') ? normalisePath(configArg) : configArg;

  const account = layout.account ? { user: layout.account.name, group: layout.account.group } : undefined;
  const currentUser = unit.get('Service', 'User')?.value;
  const dynamic = dynamicUser(unit) !== undefined;
  const userChanges = account !== undefined && (currentUser !== account.user || dynamic);

  const writableNeed = writableOf(input);
  const writablePath = writableNeed.path;
  const writable: WritableDirectory[] = [];
  // The account must not change while the directory it writes cannot be handed to it: no drop-in at all then.
  if (writableNeed.problem !== undefined) errors.push(`${unitName}: ${writableNeed.problem}`);
  else if (writablePath !== undefined) {
    const problem = unsafeUnitPath(writablePath);
    if (problem) errors.push(`${unitName}: the directory ${JSON.stringify(writablePath)} ${problem}`);
    else if (isSystemDirectory(normalisePath(writablePath)))
      errors.push(
        `${unitName}: the service writes ${normalisePath(writablePath)}, a system directory harden never makes writable: give it a directory of its own below /var/lib`,
      );
    else writable.push(writableDirectory(writablePath, writableNeed.dedicated));
  }
  // ProtectHome=yes hides the binary: the unit would fail with 203/EXEC. Binding it in would keep the operator's
  // login account able to replace what runs as the service.
  if (binary.startsWith('/') && isUnderHome(normalisePath(binary))) {
    errors.push(
      `${unitName} runs ${binary}, under a home area that ProtectHome= hides (it would fail with 203/EXEC), and writable by that home's owner: install it under /usr/local/bin (install -o root -g root -m 0755) and point ExecStart= there`,
    );
  }
  const readOnlyBinds: string[] = [];
  if (config?.startsWith('/') && isUnderHome(config)) {
    const problem = unsafeUnitPath(config);
    if (problem) errors.push(`${unitName}: the config path ${problem}`);
    else {
      readOnlyBinds.push(config);
      notes.push(
        `${unitName} reads its config from ${config}, under a home area: it is bound read-only into the ProtectHome=tmpfs sandbox. Moving it to /etc/stacks is better.`,
      );
    }
  }
  for (const entry of writable) {
    if (entry.kind === 'bind') {
      notes.push(
        `${unitName} writes ${entry.path}, under a home area: it is bound into the ProtectHome=tmpfs sandbox. Moving it below /var/lib is better.`,
      );
    }
  }
  if (execStart) {
    for (const word of execStart) {
      if (/[\x00-\x1f\x7f]/.test(word)) errors.push(`${unitName}: an ExecStart= argument holds a control character`);
    }
  }
  const conditionProblem = [config, binary].find((path) => path?.startsWith('/') && unsafeUnitPath(path) !== undefined);
  if (conditionProblem !== undefined)
    errors.push(`${unitName}: ${JSON.stringify(conditionProblem)} cannot be written in a condition`);

  const privilegedPorts = portsOf(input);
  if (privilegedPorts.length > 0) {
    notes.push(
      `${unitName} binds port ${privilegedPorts.join(', ')} (below 1024), so it keeps CAP_NET_BIND_SERVICE and runs without PrivateUsers=; a port of 1024 or above would let it drop both.`,
    );
  }
  const egressAllow = input.role === 'signer' ? egressOf(input.layout, notes, errors) : undefined;
  const facts: DropInFacts = {
    role,
    unitName,
    ...(account ? { account } : {}),
    dynamicUserOff: dynamic,
    resetSupplementaryGroups: unit.list('Service', 'SupplementaryGroups').length > 0,
    ...(execStart ? { execStart: argv } : {}),
    ...withConditions(fixConditions(unit, { ...(config ? { config } : {}), binary })),
    writable,
    readOnlyBinds,
    ...(egressAllow ? { egressAllow } : {}),
    privilegedPorts,
  };
  return { facts, argv, ...(config ? { config } : {}), binary, userChanges, notes, errors };
}

function withConditions(conditions: ReturnType<typeof fixConditions>): Pick<DropInFacts, 'conditions'> {
  return conditions ? { conditions } : {};
}
