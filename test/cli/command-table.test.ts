// The command table drives parsing, help, completions and the man page: every command and subcommand's --help exits 0
// and names each of its options, and every option that help lists is accepted by the parser. A flag added to the
// table (or ported from another branch) is covered here without touching this file.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, describe, test } from 'node:test';
import { COMMANDS, type CommandSpec } from '../../src/cli/command-table.js';
import { buildProgram, declaredFor, parseCommandLine } from '../../src/cli/program.js';
import { runCli } from '../support/cli.js';

/** Every leaf command with its path: ['audit'], ['harden', 'plan'], … */
function leaves(): { path: string[]; spec: CommandSpec }[] {
  return Object.entries(COMMANDS).flatMap(([name, spec]) =>
    spec.subcommands
      ? Object.entries(spec.subcommands).map(([sub, subSpec]) => ({ path: [name, sub], spec: subSpec }))
      : [{ path: [name], spec }],
  );
}

/** The long flags a help page lists in its Options section. */
function flagsInHelp(help: string): string[] {
  const options = help.split('\nOptions:\n')[1]?.split('\n\n')[0] ?? '';
  return [...options.matchAll(/^ {2}(?:-\w, )?(--[a-z][a-z0-9-]*)/gm)].map((match) => match[1]!);
}

/** Parses argv in-process without running anything; usage errors come back as their exit code. */
function parses(argv: string[]): { ok: boolean; values?: Record<string, unknown>; stderr: string } {
  const writes: string[] = [];
  const original = process.stderr.write.bind(process.stderr);
  process.stderr.write = ((chunk: string) => {
    writes.push(String(chunk));
    return true;
  }) as typeof process.stderr.write;
  try {
    const outcome = parseCommandLine(argv, '0.0.0');
    return outcome.kind === 'run'
      ? { ok: true, values: outcome.selected.parsed.values as Record<string, unknown>, stderr: writes.join('') }
      : { ok: false, stderr: writes.join('') };
  } finally {
    process.stderr.write = original;
  }
}

describe('every command and subcommand: --help, and the options it lists', () => {
  for (const { path, spec } of leaves()) {
    test(`${path.join(' ')} --help exits 0, names every option, and each option it lists parses`, () => {
      const run = runCli([...path, '--help']);
      assert.equal(run.code, 0, run.stderr);
      assert.equal(run.stderr, '');
      assert.match(run.stdout, new RegExp(`^Usage: signer-opsec ${path.join(' ')} `));
      assert.match(run.stdout, /\nExamples:\n {2}signer-opsec /);
      assert.match(run.stdout, /\nExit codes:\n {2}0 {2}/);
      for (const [name, option] of Object.entries(spec.options)) {
        assert.ok(run.stdout.includes(`--${name}`), `${path.join(' ')} --help does not name --${name}`);
        if (option.negatable) assert.ok(run.stdout.includes(`--no-${name}`), `--no-${name}`);
      }
      for (const [code] of spec.exitCodes) assert.match(run.stdout, new RegExp(`\n {2}${code} {2}`));
      const listed = flagsInHelp(run.stdout).filter((flag) => flag !== '--help');
      assert.ok(listed.length >= Object.keys(spec.options).length, listed.join(' '));
      for (const flag of listed) {
        const option = spec.options[flag.slice(2)] ?? spec.options[flag.replace(/^--no-/, '')];
        assert.ok(option, `${flag} is in the help but not in the table`);
        const value = option.type === 'string' && !flag.startsWith('--no-') ? [option.choices?.[0] ?? 'x'] : [];
        const parsed = parses([...path, flag, ...value]);
        assert.ok(parsed.ok, `${path.join(' ')} ${flag} ${value.join(' ')} was refused: ${parsed.stderr}`);
      }
      // `help <command>` is the same page.
      const viaHelp = runCli(['help', ...path]);
      assert.equal(viaHelp.code, 0);
      assert.equal(viaHelp.stdout, run.stdout);
    });
  }

  test('groups and the overview: help exits 0 and lists every visible command', () => {
    const overview = runCli(['--help']);
    assert.equal(overview.code, 0);
    for (const [name, spec] of Object.entries(COMMANDS))
      assert.equal(overview.stdout.includes(`\n  ${name} `), !spec.hidden, name);
    assert.equal(runCli(['help']).stdout, overview.stdout);
    for (const [name, spec] of Object.entries(COMMANDS).filter(([, spec]) => spec.subcommands)) {
      const group = runCli([name, '-h']);
      assert.equal(group.code, 0);
      for (const sub of Object.keys(spec.subcommands!)) assert.match(group.stdout, new RegExp(`\n {2}${sub} `));
    }
    const none = runCli([]);
    assert.equal(none.code, 2);
    assert.match(none.stderr, /^Usage: signer-opsec/);
  });
});

describe('only the named command is declared (issue #15: startup)', () => {
  /** The commander command at `path` in a program built with `declared`. */
  function helpOf(path: string[], declared?: (path: readonly string[]) => boolean): string {
    let command = buildProgram('0.0.0', () => {}, [], declared);
    for (const name of path) command = command.commands.find((candidate) => candidate.name() === name)!;
    return command.helpInformation();
  }

  test('declaredFor: the named command and subcommand; a whole group for its help; everything otherwise', () => {
    const audit = declaredFor(['audit', '--root', 'x.tar']);
    assert.ok(audit(['audit']));
    assert.ok(!audit(['scan']) && !audit(['harden']) && !audit(['harden', 'plan']));
    const plan = declaredFor(['harden', 'plan', '--help']);
    assert.ok(plan(['harden']) && plan(['harden', 'plan']));
    assert.ok(!plan(['harden', 'apply']) && !plan(['audit']));
    const group = declaredFor(['key', '-h']);
    assert.ok(group(['key']) && group(['key', 'show']) && group(['key', 'backup']) && !group(['audit']));
    for (const args of [[], ['--help'], ['--version'], ['audt'], ['--no-color', 'audit']])
      assert.ok(declaredFor(args)(['scan']), args.join(' '));
  });

  test('every help page is the same as when the whole table is declared', () => {
    const pages: string[][] = [[]];
    for (const [name, spec] of Object.entries(COMMANDS)) {
      pages.push([name]);
      for (const sub of Object.keys(spec.subcommands ?? {})) pages.push([name, sub]);
    }
    for (const path of pages) {
      const args = path.length === 0 ? ['--help'] : [...path, '--help'];
      assert.equal(helpOf(path, declaredFor(args)), helpOf(path), path.join(' ') || 'the overview');
    }
  });
});

describe('mistakes get one line, exit 2, and a suggestion', () => {
  const cases: [string[], RegExp][] = [
    [['audt'], /unknown command 'audt' \(did you mean audit\?\)/],
    [['audit', '--formt', 'json'], /unknown option '--formt' \(did you mean --format\?\)/],
    [['scan', '--histroy'], /unknown option '--histroy' \(did you mean --history\?\)/],
    [
      ['audit', '--format', 'jsno'],
      /expected one of text, json, html, junit, sarif, prometheus \(did you mean json\?\)/,
    ],
    [['audit', '--skip', 'keys/key-fromat'], /--skip keys\/key-fromat: .*\(did you mean keys\/key-format\?\)/],
    [['help', 'bogus'], /help: unknown command 'bogus'/],
    [['help', 'key', 'shwo'], /unknown command 'key shwo' \(did you mean show\?\)/],
    [['harden'], /harden: expected plan, apply or rollback/],
    [['key', 'shwo'], /key shwo: expected show, backup or restore \(did you mean show\?\)/],
    [['completion', 'bsh'], /expected bash, zsh or fish \(did you mean bash\?\)/],
    [['harden', 'plan', '--only', 'ssdh'], /\(did you mean sshd\?\)/],
  ];
  for (const [argv, message] of cases) {
    test(argv.join(' '), () => {
      const run = runCli(argv);
      assert.equal(run.code, 2, run.stdout);
      assert.match(run.stderr, message);
      assert.equal(run.stderr.trim().split('\n').length, 1, run.stderr);
      assert.equal(run.stdout, '');
    });
  }

  test('enum values are case-insensitive and handed on as the table spells them', () => {
    const parsed = parses(['audit', '--fail-on', 'HIGH', '--format', 'JSON']);
    assert.ok(parsed.ok, parsed.stderr);
    assert.equal(parsed.values?.['fail-on'], 'high');
    assert.equal(parsed.values?.format, 'json');
    const checks = runCli(['checks', '--format', 'JSON']);
    assert.equal(checks.code, 0, checks.stderr);
    assert.ok(Array.isArray(JSON.parse(checks.stdout)));
  });

  test('repeatable flags collect; defaults apply; --color/--no-color are three-state', () => {
    const parsed = parses(['audit', '--only', 'ssh', '--only', 'keys', '--no-color']);
    assert.deepEqual(parsed.values?.only, ['ssh', 'keys']);
    assert.equal(parsed.values?.format, 'text');
    assert.equal(parsed.values?.color, false);
    assert.equal(parses(['audit']).values?.color, undefined);
    assert.equal(parses(['harden', 'apply', '--no-reload']).values?.['no-reload'], true);
    assert.equal(parses(['harden', 'apply']).values?.['no-reload'], undefined);
  });
});

describe('completions and the man page come from the same table', () => {
  const scratch = mkdtempSync(join(tmpdir(), `so-completion-${process.pid}-`));
  after(() => rmSync(scratch, { recursive: true, force: true }));

  /** What bash offers after typing `line` (the completion function run as bash runs it). */
  function complete(script: string, words: string[]): string[] {
    const file = join(scratch, 'signer-opsec.bash');
    writeFileSync(file, script);
    const quoted = words.map((word) => `'${word}'`).join(' ');
    const run = spawnSync(
      'bash',
      [
        '-c',
        `source ${file}; COMP_WORDS=(signer-opsec ${quoted}); COMP_CWORD=${words.length}; _signer_opsec; printf '%s\\n' "\${COMPREPLY[@]}"`,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(run.status, 0, run.stderr);
    return run.stdout.split('\n').filter(Boolean);
  }

  test('bash: commands, subcommands, options and enum values complete', () => {
    const run = runCli(['completion', 'bash']);
    assert.equal(run.code, 0, run.stderr);
    const script = run.stdout;
    assert.deepEqual(complete(script, ['au']), ['audit']);
    assert.deepEqual(complete(script, ['harden', '']).sort(), ['apply', 'plan', 'rollback']);
    assert.ok(complete(script, ['harden', 'plan', '--']).includes('--exit-code'));
    assert.deepEqual(complete(script, ['audit', '--fail-on', 'c']), ['critical']);
    const auditFlags = complete(script, ['audit', '--']);
    for (const name of Object.keys(COMMANDS.audit!.options)) assert.ok(auditFlags.includes(`--${name}`), name);
    assert.ok(auditFlags.includes('--no-color'));
  });

  test('fish completes commands, subcommands and enum values; zsh parses the script and compinit registers it', () => {
    const fishScript = join(scratch, 'signer-opsec.fish');
    writeFileSync(fishScript, runCli(['completion', 'fish']).stdout);
    const fish = (line: string) => {
      const run = spawnSync('fish', ['--no-config', '-c', `source ${fishScript}; complete -C'${line}'`], {
        encoding: 'utf8',
        timeout: 30_000,
      });
      assert.equal(run.status, 0, run.stderr);
      return run.stdout
        .split('\n')
        .filter(Boolean)
        .map((entry) => entry.split('\t')[0]);
    };
    assert.deepEqual(fish('signer-opsec au'), ['audit']);
    assert.deepEqual(fish('signer-opsec harden ').sort(), ['apply', 'plan', 'rollback']);
    assert.deepEqual(fish('signer-opsec audit --fail-on c'), ['critical']);

    // zsh: the file as installed (a _signer-opsec on $fpath, as the .deb puts it) parses and compinit binds it.
    const functions = join(scratch, 'zsh-functions');
    mkdirSync(functions, { recursive: true });
    writeFileSync(join(functions, '_signer-opsec'), runCli(['completion', 'zsh']).stdout);
    const syntax = spawnSync('zsh', ['-n', join(functions, '_signer-opsec')], { encoding: 'utf8', timeout: 30_000 });
    assert.equal(syntax.status, 0, syntax.stderr);
    const bound = spawnSync(
      'zsh',
      [
        '-f',
        '-c',
        `fpath=(${functions} $fpath); autoload -Uz compinit && compinit -u -d ${join(scratch, 'zcompdump')}; print -r -- $_comps[signer-opsec]`,
      ],
      { encoding: 'utf8', timeout: 30_000 },
    );
    assert.equal(bound.status, 0, bound.stderr);
    assert.equal(bound.stdout.trim(), '_signer-opsec');
  });

  test('zsh and fish scripts name every leaf option', () => {
    const zsh = runCli(['completion', 'zsh']);
    const fish = runCli(['completion', 'fish']);
    assert.equal(zsh.code, 0);
    assert.equal(fish.code, 0);
    assert.match(zsh.stdout, /^#compdef signer-opsec\n/);
    for (const { path, spec } of leaves()) {
      if (COMMANDS[path[0]!]?.hidden) continue;
      for (const name of Object.keys(spec.options)) {
        assert.ok(zsh.stdout.includes(`--${name}[`), `zsh: ${path.join(' ')} --${name}`);
        assert.match(fish.stdout, new RegExp(`-n '__fish_seen_subcommand_from ${path[0]}[^']*' -l ${name}\\b`));
      }
    }
  });

  test('man -l renders the page without warnings, with every command, option and exit code', () => {
    const page = runCli(['manpage']);
    assert.equal(page.code, 0);
    const file = join(scratch, 'signer-opsec.1');
    writeFileSync(file, page.stdout);
    const man = spawnSync('man', ['--warnings', '-l', file], {
      encoding: 'utf8',
      env: { ...process.env, MANWIDTH: '100', MAN_KEEP_FORMATTING: '0', PAGER: 'cat', MANPAGER: 'cat' },
      timeout: 60_000,
    });
    assert.equal(man.status, 0, man.stderr);
    assert.equal(man.stderr, '');
    const text = man.stdout.replace(/.\x08/g, '');
    assert.match(text, /^SIGNER-OPSEC\(1\)/);
    for (const { path, spec } of leaves()) {
      if (COMMANDS[path[0]!]?.hidden) continue;
      assert.ok(text.includes(`signer-opsec ${path.join(' ')} [options]`), path.join(' '));
      for (const name of Object.keys(spec.options))
        assert.ok(text.includes(`--${name}`), `${path.join(' ')} --${name}`);
    }
  });
});

describe('colour: the flag, then NO_COLOR, FORCE_COLOR, TERM=dumb, then whether it is a terminal', () => {
  test('precedence', async () => {
    const { useColor } = await import('../../src/cli/commands.js');
    assert.equal(useColor(true, false, { NO_COLOR: '1' }), true);
    assert.equal(useColor(false, false, { FORCE_COLOR: '1' }), false);
    assert.equal(useColor(undefined, false, { NO_COLOR: '1', FORCE_COLOR: '1' }), false);
    assert.equal(useColor(undefined, true, { FORCE_COLOR: '1' }), true);
    assert.equal(useColor(undefined, false, { TERM: 'dumb' }), false);
    assert.equal(useColor(undefined, false, { FORCE_COLOR: '0', TERM: 'xterm' }), process.stdout.isTTY === true);
  });
});
