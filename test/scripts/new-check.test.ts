import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { scaffoldCheck } from '../../scripts/new-check.js';

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const tempDirs: string[] = [];
after(() => {
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
});

function tempRoot(): string {
  const dir = mkdtempSync(join(tmpdir(), 'so-'));
  tempDirs.push(dir);
  return dir;
}

/**
 * Type-checks generated files as if they were in the repository, without writing them there: they are served from
 * memory, everything they import comes from the real tree. Only errors in the generated files count.
 */
function typeErrors(generated: Map<string, string>): string[] {
  const virtual = new Map([...generated].map(([path, source]) => [join(repoRoot, path), source]));
  const config = ts.readConfigFile(join(repoRoot, 'tsconfig.json'), ts.sys.readFile);
  const options = { ...ts.parseJsonConfigFileContent(config.config, ts.sys, repoRoot).options, noEmit: true };
  const host = ts.createCompilerHost(options);
  const readSourceFile = host.getSourceFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, ...rest) => {
    const source = virtual.get(fileName);
    return source === undefined
      ? readSourceFile(fileName, languageVersion, ...rest)
      : ts.createSourceFile(fileName, source, languageVersion);
  };
  host.fileExists = (fileName) => virtual.has(fileName) || ts.sys.fileExists(fileName);
  const virtualDirs = new Set([...virtual.keys()].flatMap((path) => ancestors(path)));
  host.directoryExists = (dir) => virtualDirs.has(dir.replace(/\/$/, '')) || ts.sys.directoryExists(dir);
  host.readFile = (fileName) => virtual.get(fileName) ?? ts.sys.readFile(fileName);
  const program = ts.createProgram([...virtual.keys()], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .filter((diagnostic) => diagnostic.file && virtual.has(diagnostic.file.fileName))
    .map((d) => `${d.file!.fileName}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}

function ancestors(path: string): string[] {
  const dirs: string[] = [];
  for (let dir = dirname(path); dir !== dirname(dir); dir = dirname(dir)) dirs.push(dir);
  return dirs;
}

function generatedFiles(root: string, files: string[]): Map<string, string> {
  return new Map(files.map((file) => [file, readFileSync(join(root, file), 'utf8')]));
}

describe('scaffoldCheck', () => {
  test('creates a control and its test that compile against the real engine (automated and practice)', () => {
    const root = tempRoot();
    const scaffold = scaffoldCheck(root, 'zzscaffold/probe-thing');
    assert.deepEqual(scaffold.files, [
      'src/checks/zzscaffold/probe-thing.ts',
      'test/checks/zzscaffold/probe-thing.test.ts',
    ]);
    const files = generatedFiles(root, scaffold.files);
    const check = files.get('src/checks/zzscaffold/probe-thing.ts')!;
    assert.match(check, /^\/\/ https:\/\//, 'starts with a link to upstream documentation');
    assert.match(check, /id: 'zzscaffold\/probe-thing'/);
    assert.match(check, /title: 'Probe thing'/);
    assert.match(check, /report\.pass\('present'/);
    assert.match(check, /report\.fail\('absent'/);
    assert.match(check, /src\/facts\//, 'points at where the facts a control reads live');
    assert.ok(!/throw/.test(check), 'the skeleton works as generated; it does not throw');
    const testFile = files.get('test/checks/zzscaffold/probe-thing.test.ts')!;
    assert.match(testFile, /import check from '\.\.\/\.\.\/\.\.\/src\/checks\/zzscaffold\/probe-thing\.js'/);
    assert.match(testFile, /runCheckCases\(check, \{\n {2}pass: /);
    assert.match(testFile, /\n {2}fail: /);
    // The practice template too: one program for both, as type-checking the engine's import graph takes seconds.
    const practice = scaffoldCheck(root, 'practice/zz-probe');
    const practiceFiles = generatedFiles(root, practice.files);
    assert.match(practiceFiles.get('src/checks/practice/zz-probe.ts')!, /report\.manual\('confirm'\)/);
    assert.match(practiceFiles.get('test/checks/practice/zz-probe.test.ts')!, /manual: \[/);
    assert.deepEqual(typeErrors(new Map([...files, ...practiceFiles])), []);
  });

  test('says what to add to an existing family index', () => {
    const root = tempRoot();
    mkdirSync(join(root, 'src/checks/ssh'), { recursive: true });
    writeFileSync(join(root, 'src/checks/ssh/index.ts'), 'export const sshChecks = [];\n');
    const { instructions } = scaffoldCheck(root, 'ssh/max-auth-tries');
    assert.ok(instructions.includes("  import maxAuthTries from './max-auth-tries.js';"));
    assert.ok(instructions.includes('and put maxAuthTries in sshChecks.'));
  });

  test('says how to start a new family', () => {
    const { instructions } = scaffoldCheck(tempRoot(), 'binary/image-pinned');
    assert.match(instructions.join('\n'), /Create src\/checks\/binary\/index\.ts exporting `const binaryChecks/);
    assert.match(instructions.join('\n'), /\.\.\.binaryChecks into allChecks/);
  });

  test('refuses an id that is not family/name in kebab-case', () => {
    const root = tempRoot();
    for (const id of ['ssh', 'SSH/root', 'ssh/root_login', 'ssh/root/login', 'ssh/-x', '../x/y']) {
      assert.throws(() => scaffoldCheck(root, id), /not family\/name/, id);
    }
  });

  test('never overwrites an existing control or test', () => {
    const root = tempRoot();
    mkdirSync(join(root, 'test/checks/ssh'), { recursive: true });
    writeFileSync(join(root, 'test/checks/ssh/root-login.test.ts'), 'mine\n');
    assert.throws(() => scaffoldCheck(root, 'ssh/root-login'), /already exists/);
    assert.equal(readFileSync(join(root, 'test/checks/ssh/root-login.test.ts'), 'utf8'), 'mine\n');
    assert.throws(() => readFileSync(join(root, 'src/checks/ssh/root-login.ts')), /ENOENT/);
  });
});
