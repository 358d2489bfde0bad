// What the container controls share: naming a container whatever described it, and pointing evidence at the
// line of its compose file (or at the engine's record).
import type { ComposeService } from '../../discovery/compose.js';
import type { AuditContext } from '../../engine/context.js';
import type { Applicability } from '../../engine/define-check.js';
import type { Evidence } from '../../engine/types.js';
import { absent, at } from '../services/discovered-services.js';

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

/** The line of the service header in one compose file's text, and the line of `key:` inside its block. */
function serviceLines(
  lines: readonly string[],
  service: string,
  key?: string,
  written?: string,
): { header?: number; key?: number } {
  const escaped = service.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const header = lines.findIndex((line) => new RegExp(`^(\\s+)["']?${escaped}["']?\\s*:\\s*(#.*)?$`).test(line));
  if (header === -1) return {};
  if (!key) return { header: header + 1 };
  const indent = /^\s*/.exec(lines[header]!)![0].length;
  for (let index = header + 1; index < lines.length; index += 1) {
    const line = lines[index]!;
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    if (/^\s*/.exec(line)![0].length <= indent) break;
    if (new RegExp(`^\\s+${key}\\s*:`).test(line)) {
      if (written === undefined || hasEntry(lines, index, written)) return { header: header + 1, key: index + 1 };
      return { header: header + 1 };
    }
  }
  return { header: header + 1 };
}

/** Whether the block of the key at `keyIndex` (an inline list included) holds the entry `written`. */
function hasEntry(lines: readonly string[], keyIndex: number, written: string): boolean {
  // Delimited, so "30000:30000" is not found inside "127.0.0.1:30000:30000".
  const escaped = written.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  const entry = new RegExp(`(^|[\\s"'\\[,])${escaped}($|[\\s"',\\]#])`);
  if (entry.test(lines[keyIndex]!)) return true;
  const indent = /^\s*/.exec(lines[keyIndex]!)![0].length;
  for (let index = keyIndex + 1; index < lines.length; index += 1) {
    const line = lines[index]!;
    if (line.trim() === '' || line.trim().startsWith('#')) continue;
    if (/^\s*/.exec(line)![0].length <= indent && !line.trim().startsWith('-')) return false;
    if (entry.test(line)) return true;
  }
  return false;
}

/** Applies when a signer or node container is known (compose, engine state, --docker-inspect). */
export async function appliesToStacksContainers(ctx: AuditContext): Promise<Applicability> {
  return (await stacksContainers(ctx)).length > 0
    ? true
    : absent(
        await ctx.discovery(),
        'no signer or node container found (compose files, docker engine state, --docker-inspect)',
      );
}

/**
 * Where a compose service sets `key:`: the last merged file that writes it (an override wins), else the service
 * header in the base file. Undefined line for engine records and when the text can't tell.
 */
export async function composeLocationOf(
  ctx: AuditContext,
  container: ComposeService,
  key?: string,
  written?: string,
): Promise<{ file: string; line?: number }> {
  if (container.origin !== 'compose') return { file: container.file };
  const files = container.mergedFrom ?? [container.file];
  if (key) {
    // An entry as written (a port, a volume) is looked for first; then any file that sets the key.
    for (const match of written === undefined ? [undefined] : [written, undefined]) {
      for (const file of [...files].reverse()) {
        const found = serviceLines(await composeLines(ctx, file), container.name, key, match);
        if (found.key !== undefined) return { file, line: found.key };
      }
    }
  }
  const { header } = serviceLines(await composeLines(ctx, container.file), container.name);
  return header === undefined ? { file: container.file } : { file: container.file, line: header };
}

export async function containerEvidence(
  ctx: AuditContext,
  container: ComposeService,
  key: string | undefined,
  detail: string,
  /** The entry as written under the key (a port mapping): the evidence names the merged file that writes it. */
  written?: string,
): Promise<Evidence> {
  const { file, line } = await composeLocationOf(ctx, container, key, written);
  const merged = container.mergedFrom ? ` (${container.mergedFrom.join(' merged with ')})` : '';
  return at(file, line, `${containerLabel(container)}${merged}: ${detail}`);
}
