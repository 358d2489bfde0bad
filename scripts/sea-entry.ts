// Entry point of the single executable (scripts/build-sea.ts): the CLI bundled into one CommonJS file inside a copy of
// the node binary. The three files the CLI reads beside its code (package.json for --version, data/*.json|txt) are SEA
// assets: the bundle's `import.meta.url` is defined as a path under SEA_ROOT, and reads of that tree come from the assets.
import fs from 'node:fs';
import { getAsset, isSea } from 'node:sea';
import { main } from '../src/cli/main.js';

export const SEA_ROOT = '/__signer-opsec-sea__/';

if (isSea()) {
  const original = fs.readFileSync;
  const assetName = (path: unknown): string | undefined => {
    const text = path instanceof URL ? (path.protocol === 'file:' ? decodeURIComponent(path.pathname) : '') : path;
    return typeof text === 'string' && text.startsWith(SEA_ROOT) ? text.slice(SEA_ROOT.length) : undefined;
  };
  fs.readFileSync = ((path: fs.PathOrFileDescriptor, options?: unknown) => {
    const name = assetName(path);
    if (name === undefined) return original(path, options as never);
    const encoding = typeof options === 'string' ? options : (options as { encoding?: string } | undefined)?.encoding;
    return encoding ? getAsset(name, encoding) : Buffer.from(getAsset(name));
  }) as typeof fs.readFileSync;
}

main(process.argv.slice(2)).then((code) => {
  process.exitCode = code;
});
