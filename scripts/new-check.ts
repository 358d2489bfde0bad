// `node dist/scripts/new-check.js family/name`: a compilable control and its test to start from, so no control is
// copy-pasted from another one.
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ID_PATTERN = /^([a-z][a-z0-9]*(?:-[a-z0-9]+)*)\/([a-z][a-z0-9]*(?:-[a-z0-9]+)*)$/;

function camelCase(kebab: string): string {
  return kebab.replace(/-([a-z0-9])/g, (_, letter: string) => letter.toUpperCase());
}

function sentenceCase(kebab: string): string {
  const words = kebab.replace(/-/g, ' ');
  return words.charAt(0).toUpperCase() + words.slice(1);
}

/** A working example (pass when a path exists) that shows the shape: read through ctx, report by message id. */
function automatedCheckSource(id: string, name: string): string {
  return `// https://docs.stacks.co/operate/run-a-signer
import { defineCheck } from '../../engine/define-check.js';
// What a control judges comes from the host model in src/facts/ (src/checks/ holds only controls): read it through
// facts(ctx) (import { facts } from '../../facts/index.js'; e.g. \`await facts(ctx).serviceAccount(signer)\`) or the
// helpers beside it (src/facts/services/, accounts/, network/, sshd/, binaries/, containers/, configs/, secrets/).
// A fact this control needs that is not there yet goes in src/facts/<topic>/, where harden's planners can read it too.

export default defineCheck({
  id: '${id}',
  title: '${sentenceCase(name)}',
  threats: ['host-compromise'],
  severity: 'medium',
  description: 'What this control looks at on the signer host, and what an attacker gains when it fails.',
  remediation: 'What the operator changes to make this control pass.',
  references: ['https://docs.stacks.co/operate/run-a-signer'],
  messages: {
    present: '{{path}} exists.',
    absent: '{{path}} does not exist.',
  },
  async run(ctx, report) {
    // Read only through ctx (target, discovery, users, sshd…), never node:fs, so --root and live hosts share this code.
    const path = '/etc/stacks-signer';
    const stat = await ctx.target.stat(path);
    if (stat) report.pass('present', { path }, { file: path, detail: \`\${stat.type}, mode \${stat.mode.toString(8)}\` });
    else report.fail('absent', { path });
  },
});
`;
}

/** Practice controls need a person: they report \`manual\` with guidance. */
function manualCheckSource(id: string, name: string): string {
  return `// https://docs.stacks.co/operate/run-a-signer
import { defineCheck } from '../../engine/define-check.js';

export default defineCheck({
  id: '${id}',
  title: '${sentenceCase(name)}',
  threats: ['key-generation'],
  severity: 'high',
  description: 'What the operator should have done, and what an attacker gains when it was not done.',
  remediation: 'The steps the operator follows, in order.',
  references: ['https://docs.stacks.co/operate/run-a-signer'],
  messages: {
    confirm: 'Confirm this practice is followed; see the guidance.',
  },
  run(_ctx, report) {
    report.manual('confirm');
  },
});
`;
}

function testSource(family: string, name: string): string {
  const cases =
    family === 'practice'
      ? `  manual: [{ name: 'always asks a person', files: {}, messages: ['confirm'] }],`
      : `  pass: [{ name: 'the directory exists', files: { 'etc/stacks-signer': { dir: true } }, messages: ['present'] }],
  fail: [{ name: 'nothing there', files: {}, messages: ['absent'] }],`;
  return `import check from '../../../src/checks/${family}/${name}.js';
import { runCheckCases } from '../../support/check-tester.js';

runCheckCases(check, {
${cases}
});
`;
}

export interface Scaffold {
  /** Created files, relative to the repository root. */
  files: string[];
  /** What to add by hand to register the control. */
  instructions: string[];
}

/** Creates the control and its test under `repoRoot`. Throws on a bad id or when either file exists. */
export function scaffoldCheck(repoRoot: string, id: string): Scaffold {
  const match = ID_PATTERN.exec(id);
  if (!match) throw new Error(`"${id}" is not family/name in kebab-case (e.g. ssh/root-login)`);
  const [, family = '', name = ''] = match;
  const checkPath = `src/checks/${family}/${name}.ts`;
  const testPath = `test/checks/${family}/${name}.test.ts`;
  for (const path of [checkPath, testPath]) {
    if (existsSync(join(repoRoot, path))) throw new Error(`${path} already exists`);
  }
  const checkSource = family === 'practice' ? manualCheckSource(id, name) : automatedCheckSource(id, name);
  for (const [path, source] of [
    [checkPath, checkSource],
    [testPath, testSource(family, name)],
  ] as const) {
    mkdirSync(dirname(join(repoRoot, path)), { recursive: true });
    writeFileSync(join(repoRoot, path), source);
  }

  const variable = camelCase(name);
  const listName = `${camelCase(family)}Checks`;
  const indexPath = `src/checks/${family}/index.ts`;
  const instructions = existsSync(join(repoRoot, indexPath))
    ? [`In ${indexPath} add:`, `  import ${variable} from './${name}.js';`, `and put ${variable} in ${listName}.`]
    : [
        `Create ${indexPath} exporting \`const ${listName}: Check[] = [${variable}]\` (import ${variable} from './${name}.js'),`,
        `then spread ...${listName} into allChecks in src/checks/index.ts.`,
      ];
  instructions.push(
    'Then fill in the metadata and run(), and `npm run build && npm run docs` for its docs page.',
    'Facts the control needs come from src/facts/ (facts(ctx), see ARCHITECTURE.md); add a missing one there, not in src/checks/.',
  );
  return { files: [checkPath, testPath], instructions };
}

export function main(argv: readonly string[]): number {
  if (argv.length !== 1) {
    process.stderr.write('usage: node dist/scripts/new-check.js family/name\n');
    return 2;
  }
  const repoRoot = fileURLToPath(new URL('../../', import.meta.url));
  try {
    const scaffold = scaffoldCheck(repoRoot, argv[0]!);
    process.stdout.write(
      `${scaffold.files.map((file) => `created ${file}`).join('\n')}\n\n${scaffold.instructions.join('\n')}\n`,
    );
    return 0;
  } catch (error) {
    process.stderr.write(`new-check: ${(error as Error).message}\n`);
    return 2;
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = main(process.argv.slice(2));
}
