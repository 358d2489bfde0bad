// `signer-opsec harden plan|apply|rollback`: argv → the harden engine, and the exit code.

import { createInterface } from 'node:readline/promises';
import { AuditContext, type AuditOptions } from '../engine/context.js';
import { applyPlan } from '../harden/apply.js';
import { sha256Hex } from '../harden/manifest.js';
import { type BuiltPlan, buildPlan, selectedAreas } from '../harden/plan.js';
import { ownerNames, reloadsOf, renderPlanJson, renderPlanText } from '../harden/render.js';
import { listBackups, rollbackBackup, unfinishedBackups } from '../harden/rollback.js';
import { HARDEN_AREAS, type HardenArea } from '../harden/types.js';
import { secretsToWithhold } from '../harden/withheld.js';
import { openTarget } from '../target/open.js';
import type { Target } from '../target/types.js';
import { CommandOutput } from './command-output.js';
import type { HardenOptions, Parsed } from './options.js';
import { didYouMean } from './suggest.js';
import { UsageError } from './usage-error.js';
import { writeFileAtomic } from './write-output.js';

type Flags = Partial<Parsed<HardenOptions>['values']>;

function parseAreas(flag: string, values: readonly string[] | undefined): HardenArea[] {
  const areas = (values ?? [])
    .flatMap((value) => value.split(','))
    .map((value) => value.trim())
    .filter(Boolean);
  for (const area of areas) {
    if (!(HARDEN_AREAS as readonly string[]).includes(area))
      throw new UsageError(
        `${flag} ${area}: expected one of ${HARDEN_AREAS.join(', ')}${didYouMean(area, HARDEN_AREAS)}`,
      );
  }
  return areas as HardenArea[];
}

function auditOptions(values: Flags): AuditOptions {
  return {
    ...(values['signer-config'] ? { signerConfig: values['signer-config'] } : {}),
    ...(values['node-config'] ? { nodeConfig: values['node-config'] } : {}),
    ...(values['signer-unit'] ? { signerUnit: values['signer-unit'] } : {}),
    ...(values['node-unit'] ? { nodeUnit: values['node-unit'] } : {}),
  };
}

interface Planned {
  built: BuiltPlan;
  ctx: AuditContext;
}

async function plan(target: Target, values: Flags): Promise<Planned> {
  const only = parseAreas('--only', values.only);
  const skip = parseAreas('--skip', values.skip);
  if (selectedAreas({ only, skip }).length === 0) throw new UsageError('--only/--skip leave no area to harden');
  // A fresh context each time: its facts are cached, and apply re-plans after the confirmation.
  const ctx = new AuditContext(target, auditOptions(values));
  return {
    built: await buildPlan(ctx, { consoleAccess: values['i-have-console-access'] === true }, { only, skip }),
    ctx,
  };
}

/**
 * The plan as text or JSON, masked with every secret discovery read (a key in an ExecStart line or a non-sensitive
 * file would otherwise reach a diff): sensitive files are already summarised by key name only.
 */
async function renderPlan({ built, ctx }: Planned, format: 'text' | 'json', quiet = false): Promise<string> {
  const text =
    format === 'json' ? renderPlanJson(built) : renderPlanText(built, ownerNames(await ctx.users(), built), { quiet });
  return ctx.secrets.mask(text);
}

/**
 * What the operator confirmed: each pending change and the state it found. A sensitive file's new bytes are left out:
 * they were never shown (and may hold a freshly generated token), so only its path, mode and owner were confirmed.
 */
function planIdentity(built: BuiltPlan): string {
  return sha256Hex(
    Buffer.from(
      JSON.stringify(
        built.pending.map(({ change, current }) => ({
          change: change.kind === 'write' && change.sensitive ? { ...change, content: undefined } : change,
          current: current.type === 'file' ? { ...current, content: sha256Hex(current.content) } : current,
        })),
      ),
    ),
  );
}

async function confirm(question: string): Promise<boolean> {
  if (!process.stdin.isTTY) throw new UsageError('no terminal to confirm on: pass --yes to apply without asking');
  const prompt = createInterface({ input: process.stdin, output: process.stderr });
  try {
    return /^y(es)?$/i.test((await prompt.question(question)).trim());
  } finally {
    prompt.close();
  }
}

function rootHint(values: Flags): string {
  return values.root ? ` --root ${values.root}` : '';
}

async function planCommand(values: Flags): Promise<number> {
  const format = values.format ?? 'text';
  if (format !== 'text' && format !== 'json') throw new UsageError(`--format ${format}: expected text or json`);
  const target = await openTarget(values.root);
  const planned = await plan(target, values);
  // --quiet shortens the text plan only: JSON is for programs, which want all of it.
  const text = await renderPlan(planned, format, values.quiet === true);
  if (values.output !== undefined) writeFileAtomic(values.output, text);
  else process.stdout.write(text);
  if (planned.built.blockers.length > 0) return 2;
  // Drift detection: like `git diff --exit-code`, 1 says there is something to apply.
  return values['exit-code'] && planned.built.pending.length > 0 ? 1 : 0;
}

async function applyCommand(values: Flags): Promise<number> {
  const target = await openTarget(values.root);
  if (target.kind === 'tar')
    throw new UsageError(
      `--root ${values.root}: a tar archive can be planned, not applied (extract it to a directory)`,
    );
  for (const backup of unfinishedBackups(target.source)) {
    const how = backup.status === 'applying' ? 'was interrupted' : 'stopped on a failure';
    process.stderr.write(
      `signer-opsec: warning: the apply of backup ${backup.id} ${how} with ${backup.entries} change(s) recorded; undo it with: signer-opsec harden rollback ${backup.id}${rootHint(values)}\n`,
    );
  }
  const out = new CommandOutput('harden apply', values);
  const planned = await plan(target, values);
  const shown = planned.built;
  // The operator confirms what they read: the plan is shown as text even when the result is JSON (then on stderr).
  const planText = (await renderPlan(planned, 'text')).trimEnd();
  if (out.json) process.stderr.write(`${planText}\n`);
  else out.line(planText);
  const planJson = JSON.parse(await renderPlan(planned, 'json')) as unknown;
  if (shown.blockers.length > 0) {
    process.stderr.write('signer-opsec: harden apply refused: nothing written (see "Apply would refuse" above)\n');
    return out.finish(2, { status: 'refused', plan: planJson });
  }
  // Nothing to write still goes to apply: it runs again the reloads the latest apply failed to run.
  const nothingToWrite = shown.pending.length === 0;
  if (!nothingToWrite && !values.yes) {
    const count = shown.pending.length;
    if (!(await confirm(`Apply ${count} change${count === 1 ? '' : 's'} to ${shown.root}? [y/N] `))) {
      // Declining is not success: a script that piped "n" must not read "hardened".
      out.line('Not applied.');
      return out.finish(1, { status: 'declined', plan: planJson });
    }
  }
  // Apply what is true now: a file edited while the operator read the plan must not be overwritten unseen.
  // A fresh target for it: the first one caches what it read, and the point is to see the files as they are now.
  const freshTarget = nothingToWrite ? target : await openTarget(values.root);
  const replanned = nothingToWrite ? planned : await plan(freshTarget, values);
  const current = replanned.built;
  if (planIdentity(current) !== planIdentity(shown)) {
    process.stderr.write(
      'signer-opsec: the target changed since the plan was shown; nothing written. Run harden apply again.\n',
    );
    return out.finish(2, { status: 'changed', plan: planJson });
  }
  const result = await applyPlan(current, freshTarget, {
    reload: values['no-reload'] !== true,
    withhold: nothingToWrite ? [] : await secretsToWithhold(replanned.ctx, current.layout),
    log: (line) => out.line(`  ${line}`),
  });
  const undo = result.id ? `signer-opsec harden rollback ${result.id}${rootHint(values)}` : undefined;
  const data = { status: result.status, plan: planJson, ...(result.id ? { backupId: result.id } : {}) };
  switch (result.status) {
    case 'nothing':
      // The plan above already says so.
      return out.finish(0, data);
    case 'reloaded':
      out.line(`Nothing to change. The reloads of backup ${result.id} had failed; they were run again and succeeded.`);
      return out.finish(0, data);
    case 'applied': {
      out.line(
        `Applied ${result.applied} change${result.applied === 1 ? '' : 's'}; backup ${result.id}. Undo: ${undo}`,
      );
      const reloads = reloadsOf(current);
      if (reloads.length > 0 && !current.live) out.line('Not the live host: no reload was run.');
      else if (reloads.length > 0 && values['no-reload'])
        out.line(`Reloads skipped (--no-reload); run: ${reloads.map((reload) => reload.argv.join(' ')).join('; ')}`);
      return out.finish(0, data);
    }
    case 'reload-failed':
      process.stderr.write(
        `signer-opsec: the files are in place but a reload failed: ${result.error}. Undo: ${undo}\n`,
      );
      return out.finish(2, data);
    case 'failed': {
      const made = `${result.applied} of ${current.pending.length} changes were made`;
      process.stderr.write(
        `signer-opsec: harden apply stopped: ${result.error}. ${made}${undo ? `; undo them with: ${undo}` : ''}\n`,
      );
      return out.finish(2, data);
    }
  }
}

async function rollbackCommand(values: Flags, positionals: string[]): Promise<number> {
  if (positionals.length > 1) throw new UsageError('harden rollback takes at most one backup ID');
  const target = await openTarget(values.root);
  if (target.kind === 'tar') throw new UsageError(`--root ${values.root}: a tar archive cannot be rolled back`);
  const out = new CommandOutput('harden rollback', values);
  if (values.list) {
    const backups = listBackups(target.source);
    if (backups.length === 0) out.line('No harden backups.');
    for (const backup of backups)
      out.line(`${backup.id}  ${backup.status.padEnd(13)} ${backup.entries} change(s)  ${backup.areas.join(',')}`);
    return out.finish(0, { status: 'listed', backups });
  }
  const result = await rollbackBackup(target.source, target, positionals[0], {
    force: values.force === true,
    reload: values['no-reload'] !== true,
    log: (line) => out.line(`  ${line}`),
  });
  const data = { status: result.status, ...('id' in result && result.id ? { backupId: result.id } : {}) };
  switch (result.status) {
    case 'nothing':
      out.line('Nothing to roll back: every harden backup is rolled back or recorded no change.');
      return out.finish(0, data);
    case 'already-rolled-back':
      out.line(`Backup ${result.id} was already rolled back; nothing to do.`);
      return out.finish(0, data);
    case 'rolled-back':
      out.line(`Rolled back ${result.id}: ${result.restored} path(s) restored.`);
      for (const path of result.leftInPlace) out.line(`  left in place (no longer empty): ${path}`);
      return out.finish(0, data);
    case 'refused':
      process.stderr.write(`signer-opsec: rollback of ${result.id} refused, nothing restored: ${result.error}\n`);
      return out.finish(2, data);
    default:
      process.stderr.write(`signer-opsec: rollback of ${result.id} stopped: ${result.error}\n`);
      return out.finish(2, data);
  }
}

export async function hardenCommand(parsed: Parsed<never>, subcommand: string | undefined): Promise<number> {
  const { values, positionals } = parsed as unknown as { values: Flags; positionals: string[] };
  switch (subcommand) {
    case 'plan':
    case 'apply':
      if (positionals.length > 0) throw new UsageError(`harden ${subcommand}: unexpected argument "${positionals[0]}"`);
      return subcommand === 'plan' ? planCommand(values) : applyCommand(values);
    case 'rollback':
      return rollbackCommand(values, positionals);
    default:
      throw new UsageError(
        `harden ${subcommand ?? ''}: expected plan, apply or rollback`.replace('harden :', 'harden:'),
      );
  }
}
