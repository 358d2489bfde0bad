import { readFileSync } from 'node:fs';

/** The package version, read from package.json beside the compiled tree (dist/src/cli → package root). */
export function toolVersion(): string {
  const manifest = JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as {
    version: string;
  };
  return manifest.version;
}
