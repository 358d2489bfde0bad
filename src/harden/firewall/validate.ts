// `nft -c -f` over the whole resulting /etc/nftables.conf. Its includes name paths inside the target, so the
// main file and every file it includes are copied to one temp tree at the same relative paths, and each
// `include "…"` is rewritten to point into that tree: nft then checks exactly what a boot would load, and never
// reads the auditing machine's own /etc. `-c` only checks (it needs the netlink socket, so root), nothing is loaded.

import { join } from 'node:path';
import { resolveIncludePath } from '../../parsers/nftables-syntax.js';
import { runTool, withTempDirectory, writeTree } from '../tool-run.js';
import type { Validation } from '../types.js';

/** The file with every `include "pattern"` pointing below `root`. */
export function rewriteIncludes(text: string, root: string): string {
  return text.replace(
    /^(\s*include\s+")([^"]*)(")/gm,
    (_all, head: string, pattern: string, tail: string) => `${head}${join(root, resolveIncludePath(pattern))}${tail}`,
  );
}

/** Checks `mainPath` (a target path) as nft would load it; `files` holds it and every file it includes. */
export async function validateNftablesConf(mainPath: string, files: ReadonlyMap<string, string>): Promise<Validation> {
  return withTempDirectory(async (root) => {
    await writeTree(root, new Map([...files].map(([path, text]) => [path, rewriteIncludes(text, root)])));
    const run = await runTool('nft', ['-c', '-f', join(root, mainPath)]);
    return {
      tool: 'nft -c',
      artefact: mainPath,
      ok: run.ok,
      // Paths in nft's message are the temp copy's: show them as the target's.
      detail: run.ok ? 'ruleset valid' : run.firstLine.replaceAll(root, ''),
    };
  });
}
