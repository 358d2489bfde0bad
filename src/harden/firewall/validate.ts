// `nft -c -f` over the whole resulting /etc/nftables.conf. Its includes name paths inside the target, so the
// main file and every file it includes are copied to one temp tree, each at its path as the target resolves it
// (symlinks and `..` stay inside the target), and each `include "…"` statement, wherever it stands (a line's start,
// after `;` or `{`), is rewritten to name those copies: nft then checks exactly what a boot would load, and never
// reads the auditing machine's own files. An include the target could not resolve is an error with its file and
// line, and nft is not run. `-c` only checks (it needs the netlink socket, so root), nothing is loaded.

import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { hasGlobMagic } from '../../parsers/glob.js';
import { nftShapeProblem } from '../../parsers/nftables-shape.js';
import { includeStatements, withoutComments } from '../../parsers/nftables-syntax.js';
import { type CopyPolicy, describeRefusals, refuseCopies } from '../copy-guard.js';
import { placeInCopy, runTool, withTempDirectory, writeTree } from '../tool-run.js';
import type { Validation } from '../types.js';
import { includeKey, type NftablesTree } from './facts.js';

/** What the copy needs: every file's text, where each include leads, and where each file really is. */
export type NftablesCopy = Pick<NftablesTree, 'files' | 'includes' | 'canonical'> & { policy?: CopyPolicy };

/** Holds no file: where an include whose glob matched nothing points (nft accepts a glob with no match). */
const EMPTY_DIRECTORY = 'no-match';

/**
 * Each file's text with every include statement naming the copies under `root`; or the includes that could not be
 * placed inside the target, each as "file:line: why".
 */
export function rewriteIncludes(
  copy: NftablesCopy,
  root: string,
): { files: Map<string, string> } | { errors: string[] } {
  const files = new Map<string, string>();
  const errors: string[] = [];
  for (const [path, text] of copy.files) {
    const place = placeInCopy(copy.canonical, path);
    if (place === undefined) {
      errors.push(`${path}: cannot be placed inside the target`);
      continue;
    }
    let out = '';
    let from = 0;
    for (const include of includeStatements(text, path)) {
      const where = `${path}:${include.line}`;
      const named = copy.includes.get(includeKey(path, include.pattern));
      const places = named?.map((file) => placeInCopy(copy.canonical, file));
      if (named === undefined || places === undefined || places.some((place) => place === undefined)) {
        errors.push(`${where}: include names a path that cannot be resolved inside the target`);
        continue;
      }
      if (places.length === 0 && !hasGlobMagic(include.pattern)) {
        errors.push(`${where}: include names a file the target does not have`);
        continue;
      }
      const quoted =
        places.length === 0
          ? [`"${join(root, EMPTY_DIRECTORY)}/*"`]
          : places.map((place) => `"${join(root, 'tree', place!)}"`);
      out += text.slice(from, include.start) + quoted.join('; include ');
      from = include.end;
    }
    // Comments are nothing to nft, and free text to us: the copy goes without them (line numbers kept).
    files.set(place, withoutComments(out + text.slice(from)));
  }
  return errors.length > 0 ? { errors } : { files };
}

/**
 * nft re-reads an included file at every include that names it: a cycle never ends (it stops at 16 levels, after
 * up to files^16 reads) and a file named twice per level doubles at each. Either is refused before nft runs, with
 * the chain of file:line; the total it would read is bounded.
 */
export const MAX_EXPANDED_BYTES = 64 * 1024 * 1024;

export function includeGraphErrors(copy: NftablesCopy, mainPath: string): string[] {
  const expanded = new Map<string, number>();
  const chain: { file: string; line: number }[] = [];
  const onChain = new Set<string>();
  const errors: string[] = [];
  const visit = (path: string): number => {
    const known = expanded.get(path);
    if (known !== undefined) return known;
    const text = copy.files.get(path) ?? '';
    let total = text.length;
    onChain.add(path);
    for (const include of includeStatements(text, path)) {
      for (const file of copy.includes.get(includeKey(path, include.pattern)) ?? []) {
        const site = { file: path, line: include.line };
        if (onChain.has(file)) {
          const looped = [...chain, site].map((at) => `${at.file}:${at.line}`);
          errors.push(`${path}:${include.line}: include cycle: ${[...looped, file].join(' -> ')}`);
          continue;
        }
        chain.push(site);
        total += visit(file);
        chain.pop();
      }
    }
    onChain.delete(path);
    expanded.set(path, Math.min(total, MAX_EXPANDED_BYTES + 1));
    return Math.min(total, MAX_EXPANDED_BYTES + 1);
  };
  if (visit(mainPath) > MAX_EXPANDED_BYTES) {
    errors.push(`${mainPath}: its includes expand to more than ${MAX_EXPANDED_BYTES} bytes`);
  }
  return errors;
}

/** Checks `mainPath` (a target path) as nft would load it; `copy` holds it and every file it includes. */
export async function validateNftablesConf(mainPath: string, copy: NftablesCopy): Promise<Validation> {
  const graph = includeGraphErrors(copy, mainPath);
  if (graph.length > 0) return { tool: 'nft -c', artefact: mainPath, ok: false, detail: graph.slice(0, 3).join('; ') };
  // Every file is judged before the temp directory exists: one that is no nft config or holds a secret is never copied.
  const refusals = refuseCopies(copy.files, {
    canonical: copy.canonical,
    ...(copy.policy ? { policy: copy.policy } : {}),
    shape: nftShapeProblem,
    strip: withoutComments,
  });
  if (refusals.length > 0) {
    const detail = describeRefusals(refusals, 'nft -c');
    return { tool: 'nft -c', artefact: mainPath, ok: false, detail };
  }
  return withTempDirectory(async (root) => {
    const rewritten = rewriteIncludes(copy, root);
    if ('errors' in rewritten) {
      return { tool: 'nft -c', artefact: mainPath, ok: false, detail: rewritten.errors.join('; ') };
    }
    const main = placeInCopy(copy.canonical, mainPath)!;
    await mkdir(join(root, EMPTY_DIRECTORY), { mode: 0o700 });
    await writeTree(join(root, 'tree'), rewritten.files);
    const run = await runTool('nft', ['-c', '-f', join(root, 'tree', main)], { root: join(root, 'tree') });
    return {
      tool: 'nft -c',
      artefact: mainPath,
      ok: run.ok,
      // nft's message may quote the line it rejects: only its place and a known category are kept.
      detail: run.ok ? 'ruleset valid' : run.firstLine,
    };
  });
}
