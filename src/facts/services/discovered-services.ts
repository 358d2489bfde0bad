// What many controls need: the discovered services, their parsed configs, and evidence pointing at a file.
import type { ConfigState, Discovery, NodeService, SignerService } from '../../discovery/types.js';
import type { AuditContext } from '../../engine/context.js';
import type { Applicability } from '../../engine/define-check.js';
import { CheckError } from '../../engine/errors.js';
import type { Evidence } from '../../engine/types.js';

export const NO_SIGNER = 'no signer found on the target (no systemd unit, well-known config or compose service)';
export const NO_NODE = 'no stacks-node found on the target';

export function at(file: string | undefined, line: number | undefined, detail: string): Evidence {
  return { ...(file ? { file } : {}), ...(line ? { line } : {}), detail };
}

/**
 * Nothing of the kind was found: not applicable, unless discovery could not read a file that may define it (a
 * compose file that does not parse). Then the audit is incomplete and the control reports an error saying where.
 */
export function absent(discovery: Pick<Discovery, 'incomplete'>, reason: string): Applicability {
  const unread = discovery.incomplete ?? [];
  if (unread.length > 0) {
    throw new CheckError(`${unread.join('; ')}; a signer or node may be defined there (${reason})`);
  }
  return { notApplicable: reason };
}

export async function appliesToSigner(ctx: AuditContext): Promise<Applicability> {
  const discovery = await ctx.discovery();
  return discovery.signer ? true : absent(discovery, NO_SIGNER);
}

export async function appliesToNode(ctx: AuditContext): Promise<Applicability> {
  const discovery = await ctx.discovery();
  return discovery.node ? true : absent(discovery, NO_NODE);
}

/** Host-wide network controls matter on a host that runs a signer or its node. */
export async function appliesToSignerOrNode(ctx: AuditContext): Promise<Applicability> {
  const discovery = await ctx.discovery();
  return discovery.signer || discovery.node ? true : absent(discovery, NO_SIGNER);
}

/** Applies when a signer config path is known, whatever state the file is in. */
export async function appliesToSignerConfig(ctx: AuditContext): Promise<Applicability> {
  const discovery = await ctx.discovery();
  const { signer } = discovery;
  if (!signer) return absent(discovery, NO_SIGNER);
  if (signer.config.status === 'unknown') return { notApplicable: signer.config.reason };
  return true;
}

export async function appliesToNodeConfig(ctx: AuditContext): Promise<Applicability> {
  const discovery = await ctx.discovery();
  const { node } = discovery;
  if (!node) return absent(discovery, NO_NODE);
  if (node.config.status === 'unknown') return { notApplicable: node.config.reason };
  return true;
}

/** The parsed config, or a CheckError saying where and why it could not be read. */
export function parsedConfig<P>(config: ConfigState<P>): { path: string; parsed: P } {
  if (config.status === 'ok') return { path: config.path, parsed: config.parsed };
  const line = 'line' in config ? config.line : undefined;
  throw new CheckError(config.reason, at('path' in config ? config.path : undefined, line, `config ${config.status}`));
}

export async function signerConfig(ctx: AuditContext) {
  const { signer } = await ctx.discovery();
  if (!signer) throw new CheckError(NO_SIGNER);
  return parsedConfig(signer.config);
}

export async function nodeConfig(ctx: AuditContext) {
  const { node } = await ctx.discovery();
  if (!node) throw new CheckError(NO_NODE);
  return parsedConfig(node.config);
}

/** The node config when there is a readable one; undefined when there is no node or no config path. */
export async function optionalNodeConfig(ctx: AuditContext) {
  const { node } = await ctx.discovery();
  if (!node || node.config.status === 'unknown') return undefined;
  return parsedConfig(node.config);
}

export async function services(ctx: AuditContext): Promise<{ signer?: SignerService; node?: NodeService }> {
  const { signer, node } = await ctx.discovery();
  return { ...(signer ? { signer } : {}), ...(node ? { node } : {}) };
}

export function octal(mode: number): string {
  return `0${(mode & 0o7777).toString(8).padStart(3, '0')}`;
}
