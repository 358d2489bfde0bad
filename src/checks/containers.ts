// What the container controls share: naming a container whatever described it, and pointing evidence at the
// line of its compose file (or at the engine's record).
import type { ComposeService } from '../discovery/compose.js';
import type { AuditContext } from '../engine/context.js';
import type { Evidence } from '../engine/types.js';
import { at } from './common.js';

/** "compose service signer" or "container signer". */
export function containerLabel(container: ComposeService): string {
  return container.origin === 'compose' ? `compose service ${container.name}` : `container ${container.name}`;
}

/** Every signer and node container discovery found. */
export async function stacksContainers(ctx: AuditContext): Promise<ComposeService[]> {
  return (await ctx.discovery()).containers ?? [];
}

const composeTexts = new WeakMap<AuditContext, Map<string, Promise<string[]>>>();

function composeLines(ctx: AuditContext, file: string): Promise<string[]> {
  let byFile = composeTexts.get(ctx);
  if (!byFile) {
    byFile = new Map();
    composeTexts.set(ctx, byFile);
  }
  let lines = byFile.get(file);
  if (!lines) {
    lines = ctx.target.readText(file).then(
      (text) => text.split('\n'),
      () => [],
    );
    byFile.set(file, lines);
  }
  return lines;
}

/**
 * The line of `key:` inside the service's block of its compose file (the service header when the key is absent);
 * undefined for engine records and when the text can't tell.
 */
export async function composeLineOf(
  ctx: AuditContext,
  container: ComposeService,
  key?: string,
): Promise<number | undefined> {
  if (container.origin !== 'compose') return undefined;
  const lines = await composeLines(ctx, container.file);
  const escaped = container.name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const header = lines.findIndex((line) => new RegExp(`^(\\s+)["']?${escaped}["']?\\s*:\\s*(#.*)?$`).test(line));
  if (header === -1) return undefined;
  if (!key) return header + 1;
  const indent = /^\s*/.exec(lines[header]!)![0].length;
  for (let index = header + 1; index < lines.length; index += 1) {
    const line = lines[index]!;
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    if (/^\s*/.exec(line)![0].length <= indent) break;
    if (new RegExp(`^\\s+${key}\\s*:`).test(line)) return index + 1;
  }
  return header + 1;
}

export async function containerEvidence(
  ctx: AuditContext,
  container: ComposeService,
  key: string | undefined,
  detail: string,
): Promise<Evidence> {
  return at(container.file, await composeLineOf(ctx, container, key), `${containerLabel(container)}: ${detail}`);
}
