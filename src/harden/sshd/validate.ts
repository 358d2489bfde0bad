// The real sshd judges the result: `sshd -t` (the configuration loads) and `sshd -T` (the values that take
// effect) over a temp copy of the whole config tree, drop-in included. Include paths are rewritten to point into
// the copy, so the auditing machine's own /etc/ssh is never read; a throwaway host key (-h) stands in for the
// target's, which harden never copies.

import { join } from 'node:path';
import { parseSshdT } from '../../parsers/sshd-config.js';
import { argvSplit } from '../../parsers/sshd-config-syntax.js';
import { runTool, withTempDirectory, writeTree } from '../tool-run.js';
import type { Validation } from '../types.js';

/** Every `Include` argument made absolute below `root` (relative ones are relative to /etc/ssh, as sshd does). */
export function rewriteSshdIncludes(text: string, root: string): string {
  return text
    .split('\n')
    .map((line) => {
      const match = /^(\s*)include(\s+)(.*)$/i.exec(line);
      if (!match) return line;
      const args = argvSplit(match[3]!.trim()) ?? [];
      const rewritten = args.map((arg) => {
        const absolute = arg.startsWith('/') ? arg : `/etc/ssh/${arg}`;
        return `"${join(root, absolute)}"`;
      });
      return `${match[1]}Include${match[2]}${rewritten.join(' ')}`;
    })
    .join('\n');
}

export interface SshdValidation {
  validations: Validation[];
  /** `sshd -T` values (lowercase keyword → first value); undefined when sshd could not be run. */
  effective?: Record<string, string>;
}

/** `files`: target path → text of sshd_config and everything it includes, after the change. */
export async function validateSshdConfig(
  mainPath: string,
  files: ReadonlyMap<string, string>,
  connectionSpec: string,
  artefact: string,
): Promise<SshdValidation> {
  return withTempDirectory(async (root) => {
    await writeTree(root, new Map([...files].map(([path, text]) => [path, rewriteSshdIncludes(text, root)])));
    const hostKey = join(root, 'validate-host-key');
    const keygen = await runTool('ssh-keygen', ['-q', '-t', 'ed25519', '-N', '', '-C', 'signer-opsec', '-f', hostKey]);
    if (!keygen.ok) {
      return {
        validations: [{ tool: 'sshd -t', artefact, ok: false, detail: `ssh-keygen: ${keygen.firstLine}` }],
      };
    }
    const config = join(root, mainPath);
    const clean = (line: string) => line.replaceAll(root, '');
    const test = await runTool('sshd', ['-t', '-f', config, '-h', hostKey]);
    const validations: Validation[] = [
      { tool: 'sshd -t', artefact, ok: test.ok, detail: test.ok ? 'configuration valid' : clean(test.firstLine) },
    ];
    if (!test.ok) return { validations };
    const dump = await runTool('sshd', ['-T', '-f', config, '-h', hostKey, '-C', connectionSpec]);
    if (!dump.ok) {
      validations.push({ tool: 'sshd -T', artefact, ok: false, detail: clean(dump.firstLine) });
      return { validations };
    }
    const effective = Object.fromEntries(
      Object.entries(parseSshdT(dump.stdout)).map(([keyword, values]) => [keyword, values[0] ?? '']),
    );
    return { validations, effective };
  });
}
