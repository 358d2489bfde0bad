// Packs each examples/hosts/<name>/rootfs (+ modes.tsv) into examples/hosts/<name>.tar, so
// `signer-opsec audit --root examples/hosts/<name>.tar` works without root privileges or extraction.
// Run by `npm run build`; the archives are reproducible (fixed mtime, sorted entries, numeric owners).
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeTar } from '../src/target/tar-writer.js';
import { exampleHostsDir, listExampleHosts, readExampleHost } from './example-hosts.js';

function packExamples(hostsDir: string): void {
  const names = listExampleHosts(hostsDir);
  for (const name of names) {
    const archive = writeTar(readExampleHost(join(hostsDir, name)));
    const output = join(hostsDir, `${name}.tar`);
    let unchanged = false;
    try {
      unchanged = readFileSync(output).equals(archive);
    } catch {
      // not written yet
    }
    if (!unchanged) writeFileSync(output, archive);
    console.log(`${unchanged ? 'unchanged' : 'wrote'} ${output}`);
  }
}

packExamples(process.argv[2] ?? exampleHostsDir());
