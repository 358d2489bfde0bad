// The environment a signer or node service gets, and where each variable is written: unit `Environment=` and
// `EnvironmentFile=`, compose `environment:`, `env_file:` and the compose project's `.env`.
import { posix } from 'node:path';
import type { Service } from '../../discovery/types.js';
import type { AuditContext } from '../../engine/context.js';
import { splitWords } from '../../parsers/systemd-words.js';
import type { FileStat } from '../../target/types.js';

export type EnvironmentOrigin =
  | 'unit Environment='
  | 'unit EnvironmentFile='
  | 'compose environment:'
  | 'compose env_file:'
  | 'compose .env';

export interface EnvironmentVariable {
  name: string;
  value: string;
  origin: EnvironmentOrigin;
  file: string | undefined;
  line: number | undefined;
}

/** A file that holds variables (EnvironmentFile=, env_file:, .env), with its stat so permissions can be judged. */
export interface EnvironmentFile {
  path: string;
  origin: EnvironmentOrigin;
  /** Undefined when the file does not exist. */
  stat: FileStat | undefined;
  /** Why it could not be read, if so. */
  problem?: string;
}

export interface ServiceEnvironment {
  variables: EnvironmentVariable[];
  files: EnvironmentFile[];
}

/** KEY=VALUE lines as systemd's EnvironmentFile= and compose env files write them; `#`/`;` lines are comments. */
export function parseEnvironmentFile(text: string): { name: string; value: string; line: number }[] {
  return text.split('\n').flatMap((raw, index) => {
    const trimmed = raw.replace(/\r$/, '').trim();
    if (trimmed === '' || trimmed.startsWith('#') || trimmed.startsWith(';')) return [];
    // The value's leading blanks are cut by trimStart, not `=\s*(.*)$`: before a CR inside the line, that regex tried
    // every split of the blank run between `\s*` and `.*`, quadratic (20,000 blanks: 0.3 s; issue #18).
    const match = /^(?:export\s+)?([A-Za-z_][A-Za-z0-9_.]*)\s*=(.*)$/.exec(trimmed);
    if (!match) return [];
    const value = match[2]!.trimStart().replace(/^(['"])(.*)\1$/, '$2');
    return [{ name: match[1]!, value, line: index + 1 }];
  });
}

function splitAssignment(word: string): { name: string; value: string } | undefined {
  const equals = word.indexOf('=');
  if (equals <= 0) return undefined;
  return { name: word.slice(0, equals), value: word.slice(equals + 1) };
}

async function readVariablesFile(
  ctx: AuditContext,
  path: string,
  origin: EnvironmentOrigin,
  variables: EnvironmentVariable[],
  files: EnvironmentFile[],
): Promise<void> {
  const stat = await ctx.target.stat(path).catch(() => undefined);
  const file: EnvironmentFile = { path, origin, stat };
  files.push(file);
  if (!stat) return;
  if (stat.type !== 'file') {
    // A FIFO or device is never opened (it could block the audit or never end); systemd would not read it either.
    file.problem = `not a regular file (${stat.type})`;
    return;
  }
  try {
    for (const entry of parseEnvironmentFile(await ctx.target.readText(path))) {
      variables.push({ name: entry.name, value: entry.value, origin, file: path, line: entry.line });
    }
  } catch (error) {
    file.problem = error instanceof Error ? error.message : String(error);
  }
}

/** The line of a compose file that sets `name` (first mention); undefined when the text can't tell. */
function composeLineOf(text: string, name: string): number | undefined {
  const pattern = new RegExp(`(^|[\\s"'-])${name.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s*[:=]`);
  const index = text.split('\n').findIndex((line) => pattern.test(line));
  return index === -1 ? undefined : index + 1;
}

export async function serviceEnvironment(ctx: AuditContext, service: Service): Promise<ServiceEnvironment> {
  const variables: EnvironmentVariable[] = [];
  const files: EnvironmentFile[] = [];
  if (service.unit) {
    const { effective } = service.unit;
    for (const assignment of effective.list('Service', 'Environment')) {
      for (const word of splitWords(assignment.value).words) {
        const pair = splitAssignment(word);
        if (pair)
          variables.push({ ...pair, origin: 'unit Environment=', file: assignment.file, line: assignment.line });
      }
    }
    for (const assignment of effective.list('Service', 'EnvironmentFile')) {
      // A leading "-" makes the file optional; the path must be absolute.
      const path = assignment.value.replace(/^-/, '').trim();
      if (path.startsWith('/')) await readVariablesFile(ctx, path, 'unit EnvironmentFile=', variables, files);
    }
  }
  if (service.container) {
    const { container } = service;
    const composeText = await ctx.target.readText(container.file).catch(() => '');
    for (const [name, value] of Object.entries(container.environment)) {
      variables.push({
        name,
        value,
        origin: 'compose environment:',
        file: container.file,
        line: composeLineOf(composeText, name),
      });
    }
    for (const path of container.envFiles) await readVariablesFile(ctx, path, 'compose env_file:', variables, files);
    const dotEnv = posix.join(posix.dirname(container.file), '.env');
    if (await ctx.target.stat(dotEnv).catch(() => undefined)) {
      await readVariablesFile(ctx, dotEnv, 'compose .env', variables, files);
    }
  }
  return { variables, files };
}
