import { posix } from 'node:path';
import type { SecretRegistry } from '../engine/secrets.js';
import { findConfigArg, parseExecCommand } from '../parsers/exec-command.js';
import { appendAll } from '../parsers/lists.js';
import { type NodeConfigParse, parseNodeConfig } from '../parsers/node-config.js';
import { parseSignerConfig, type SignerConfigParse } from '../parsers/signer-config.js';
import { TargetError } from '../target/errors.js';
import type { Target } from '../target/types.js';
import { type ComposeService, containerConfigPath, discoverCompose, hostPathOfMount } from './compose.js';
import { composeFileListsOf, discoverContainers } from './containers.js';
import type { AuditOptions } from './options.js';
import type { ConfigState, Discovery, NodeService, Role, SignerService } from './types.js';
import { type LoadedUnit, loadUnit, loadUnits } from './units.js';

// Discovery, in the order controls.md gives: systemd units, well-known paths, docker compose. Each step can be
// replaced by a flag (--signer-unit, --signer-config, ...).

export const WELL_KNOWN_CONFIGS: Record<Role, readonly string[]> = {
  signer: [
    '/etc/stacks/signer/signer-config.toml',
    '/etc/stacks-signer/config.toml',
    '/etc/stacks-signer/signer-config.toml',
  ],
  node: ['/etc/stacks/node/node-config.toml', '/etc/stacks-node/config.toml'],
};

const BINARY_ROLE: Record<string, Role> = { 'stacks-signer': 'signer', 'stacks-node': 'node' };

interface UnitMatch {
  unit: LoadedUnit;
  binary: string;
  argv: string[];
  configPath?: string;
}

interface Location {
  source: SignerService['source'];
  configPath: string | undefined;
  unitMatch: UnitMatch | undefined;
  container: ComposeService | undefined;
}

/**
 * systemd starts a service in WorkingDirectory= (default / for a system service): a relative `--config` is read
 * from there, and the target reads absolute paths only (a fuzzed unit's `--config g` made a check an internal error).
 */
function configAsServiceSees(written: string | undefined, unit: LoadedUnit): string | undefined {
  if (!written || written.startsWith('/')) return written;
  const workingDirectory = unit.effective.get('Service', 'WorkingDirectory')?.value.replace(/^-/, '');
  return posix.join(workingDirectory?.startsWith('/') ? workingDirectory : '/', written);
}

function unitRole(unit: LoadedUnit): { role: Role; match: UnitMatch } | undefined {
  for (const assignment of unit.effective.list('Service', 'ExecStart')) {
    const command = parseExecCommand(assignment.value);
    if (!command) continue;
    const role = BINARY_ROLE[posix.basename(command.path)];
    if (!role) continue;
    const configPath = configAsServiceSees(findConfigArg(command.argv, role), unit);
    return { role, match: { unit, binary: command.path, argv: command.argv, ...(configPath ? { configPath } : {}) } };
  }
  return undefined;
}

/** The first path that is there at all: a dangling symlink or a loop counts, so that it is reported, not skipped. */
async function firstExisting(target: Target, paths: readonly string[]): Promise<string | undefined> {
  for (const path of paths) {
    const entry = await target
      .lstat(path)
      .catch((error: unknown) => (error instanceof TargetError && error.code !== 'ENOENT' ? error : undefined));
    if (entry) return path;
  }
  return undefined;
}

/** Reads and parses a config; every failure becomes a state with where and why, never an exception. */
async function readConfig<P extends { ok: boolean }>(
  target: Target,
  path: string | undefined,
  parse: (text: string) => P,
): Promise<ConfigState<Extract<P, { ok: true }>>> {
  if (!path)
    return { status: 'unknown', reason: 'no config path was found (no unit names one, none at a well-known path)' };
  let stat: Awaited<ReturnType<Target['stat']>>;
  try {
    stat = await target.stat(path);
  } catch (error) {
    return { status: 'unreadable', path, reason: error instanceof Error ? error.message : String(error) };
  }
  if (!stat) {
    // Resolved inside the target: an absolute link to a file of the auditing host is not followed there.
    const link = await target.readlink(path).catch(() => undefined);
    const reason = link
      ? `${path} is a symlink to ${link}, which does not exist in the target`
      : `${path} does not exist`;
    return { status: 'missing', path, reason };
  }
  let text: string;
  try {
    text = await target.readText(path);
  } catch (error) {
    const reason = error instanceof TargetError ? error.message : `${path}: ${String(error)}`;
    return { status: 'unreadable', path, stat, reason };
  }
  if (text.includes('\u0000')) return { status: 'invalid', path, stat, reason: `${path}: binary data, not TOML` };
  const parsed = parse(text);
  if (!parsed.ok) {
    const { error } = parsed as unknown as { error: { message: string; line?: number; column?: number } };
    const where = error.line ? `${path}:${error.line}${error.column ? `:${error.column}` : ''}` : path;
    return {
      status: 'invalid',
      path,
      stat,
      // The parser's message already starts with "invalid TOML:".
      reason: `${where}: ${error.message}`,
      ...(error.line ? { line: error.line } : {}),
    };
  }
  return { status: 'ok', path, stat, parsed: parsed as Extract<P, { ok: true }> };
}

function registerSignerSecrets(secrets: SecretRegistry, parsed: Extract<SignerConfigParse, { ok: true }>): void {
  secrets.add(parsed.config.stacksPrivateKey);
  secrets.add(parsed.config.authPassword);
}

function registerNodeSecrets(secrets: SecretRegistry, parsed: Extract<NodeConfigParse, { ok: true }>): void {
  const { config } = parsed;
  for (const value of [
    config.node.seed,
    config.node.localPeerSeed,
    config.miner.miningKey,
    config.connectionOptions.authToken,
    config.connectionOptions.blockProposalToken,
    config.burnchain.password,
  ]) {
    secrets.add(value);
  }
}

/** Variable names that hold secrets by convention (SIGNER_PRIVATE_KEY, AUTH_TOKEN, BTC_RPC_PASSWORD, ...). */
const SECRET_VARIABLE = /PRIVATE_?KEY|AUTH|TOKEN|PASSWORD|PASSWD|SEED|MNEMONIC|SECRET/i;
const KEY_SHAPED = /^(0x)?[0-9a-fA-F]{64}(01)?$/;

/** A container's environment may carry the key or the token (docker inspect shows it): never let it into a report. */
function registerContainerSecrets(secrets: SecretRegistry, container: ComposeService): void {
  for (const [name, value] of Object.entries(container.environment)) {
    if (SECRET_VARIABLE.test(name) || KEY_SHAPED.test(value.trim())) secrets.add(value);
  }
}

function configFromContainer(service: ComposeService): string | undefined {
  const inside = containerConfigPath(service);
  return inside ? hostPathOfMount(service.mounts, inside) : undefined;
}

export async function discover(target: Target, options: AuditOptions, secrets: SecretRegistry): Promise<Discovery> {
  const notes: string[] = [];
  const units = await loadUnits(target);
  const matches: Record<Role, UnitMatch[]> = { signer: [], node: [] };
  for (const unit of units) {
    if (unit.masked) continue;
    const found = unitRole(unit);
    if (found) matches[found.role].push(found.match);
  }
  for (const [role, flag] of [
    ['signer', options.signerUnit],
    ['node', options.nodeUnit],
  ] as const) {
    if (!flag) continue;
    const unit = await loadUnit(target, flag);
    if (!unit) {
      notes.push(`--${role}-unit ${flag}: no such unit in the target`);
      matches[role] = [];
      continue;
    }
    const found = unitRole(unit);
    matches[role] = [found?.match ?? { unit, binary: '', argv: [] }];
  }
  const engine = await discoverContainers(target, options.dockerInspect);
  const compose = await discoverCompose(target, composeFileListsOf(engine.services));
  appendAll(notes, compose.unreadable, compose.problems, engine.notes);
  const containers = [...compose.services, ...engine.services];
  for (const container of containers) registerContainerSecrets(secrets, container);

  const locate = async (role: Role, flag: string | undefined): Promise<Location | undefined> => {
    const unitMatch = matches[role][0];
    if (matches[role].length > 1) {
      notes.push(
        `several ${role} units (${matches[role].map((match) => match.unit.name).join(', ')}); auditing ${unitMatch!.unit.name}`,
      );
    }
    const container = containers.find((service) => service.role === role);
    if (flag) return { source: 'flag' as const, configPath: flag, unitMatch, container };
    if (unitMatch)
      return { source: 'unit' as const, configPath: unitMatch.configPath, unitMatch, container: undefined };
    const wellKnown = await firstExisting(target, WELL_KNOWN_CONFIGS[role]);
    const containerConfig = container ? configFromContainer(container) : undefined;
    if (wellKnown && container && containerConfig === wellKnown) {
      // The compose service is what runs it; that its bind mount sits at a well-known path is a coincidence.
      notes.push(`the ${role} container ${container.name} mounts its config from the well-known path ${wellKnown}`);
      return { source: 'compose' as const, configPath: wellKnown, unitMatch, container };
    }
    if (wellKnown) return { source: 'well-known' as const, configPath: wellKnown, unitMatch, container };
    if (container) return { source: 'compose' as const, configPath: containerConfig, unitMatch, container };
    return undefined;
  };

  /**
   * A unit whose --config names a missing file still tells us which config the operator meant: its
   * ConditionFileNotEmpty, or a well-known path. Audit that one, and say so (unit-consistency flags the mismatch).
   */
  const readServiceConfig = async <P extends { ok: boolean }>(
    role: Role,
    location: Location | undefined,
    parse: (text: string) => P,
  ) => {
    const config = await readConfig(target, location?.configPath, parse);
    if (config.status !== 'missing' || location?.source !== 'unit' || !location.unitMatch) return config;
    const unit = location.unitMatch.unit;
    const conditions = unit.effective
      .list('Unit', 'ConditionFileNotEmpty')
      .map((assignment) => assignment.value.replace(/^[|!]+/, ''));
    const fallback = await firstExisting(
      target,
      [...conditions, ...WELL_KNOWN_CONFIGS[role]].filter((path) => path !== config.path),
    );
    if (!fallback) return config;
    notes.push(
      `${unit.name} starts the ${role} with ${config.path}, which does not exist; auditing ${fallback} instead`,
    );
    return readConfig(target, fallback, parse);
  };

  const discovery: Discovery = { notes, containers, incomplete: compose.unreadable };
  const signerLocation = await locate('signer', options.signerConfig);
  if (signerLocation) {
    const config = await readServiceConfig('signer', signerLocation, parseSignerConfig);
    if (config.status === 'ok') registerSignerSecrets(secrets, config.parsed);
    discovery.signer = buildService('signer', signerLocation, config) as SignerService;
  }
  const nodeLocation = await locate('node', options.nodeConfig);
  if (nodeLocation) {
    const config = await readServiceConfig('node', nodeLocation, parseNodeConfig);
    if (config.status === 'ok') registerNodeSecrets(secrets, config.parsed);
    discovery.node = buildService('node', nodeLocation, config) as NodeService;
  }
  return discovery;
}

/**
 * An unknown key, named only when the name is ours (a removed or legacy key, a known section): any other name is the
 * file's text, and a secret written as a key (`<private key> = 1`) would be printed.
 */
function describeUnknownKey(unknown: { note?: string; known?: true | string }, name: string): string {
  if (unknown.known === true) return `unknown key "${name}"${unknown.note ? ` (${unknown.note})` : ''}`;
  if (unknown.known !== undefined) {
    return unknown.known.startsWith('[')
      ? `unknown key in ${unknown.known} (name not shown)`
      : `unknown key "${unknown.known}"${unknown.note ? ` (${unknown.note})` : ''}`;
  }
  return `unknown key or section (name not shown${unknown.note ? `; ${unknown.note}` : ''})`;
}

function buildService(
  role: Role,
  location: {
    source: SignerService['source'];
    unitMatch: UnitMatch | undefined;
    container: ComposeService | undefined;
  },
  config: ConfigState<never> | ConfigState<unknown>,
): SignerService | NodeService {
  const { unitMatch, container } = location;
  const notes: string[] = [];
  if (unitMatch)
    appendAll(
      notes,
      unitMatch.unit.problems.map((problem) => `${problem.file}:${problem.line}: ${problem.message}`),
    );
  if (config.status === 'ok') {
    const parsed = config.parsed as {
      unknownKeys: { section?: string; key?: string; line: number; note?: string; known?: true | string }[];
      invalidValues: { section?: string; key?: string; line: number; expected: string }[];
    };
    const name = (entry: { section?: string; key?: string }) => [entry.section, entry.key].filter(Boolean).join('.');
    for (const unknown of parsed.unknownKeys) {
      notes.push(`${config.path}:${unknown.line}: ${describeUnknownKey(unknown, name(unknown))}`);
    }
    for (const invalid of parsed.invalidValues) {
      notes.push(`${config.path}:${invalid.line}: "${name(invalid)}" should be ${invalid.expected}`);
    }
  }
  const declaredUser = unitMatch ? unitMatch.unit.effective.get('Service', 'User')?.value : container?.user;
  return {
    role,
    source: location.source,
    config,
    notes,
    ...(unitMatch ? { unit: unitMatch.unit, binary: unitMatch.binary, argv: unitMatch.argv } : {}),
    ...(container ? { container, ...(unitMatch ? {} : container.image ? { binary: container.image } : {}) } : {}),
    ...(declaredUser ? { declaredUser } : {}),
  } as SignerService | NodeService;
}
