// https://git-scm.com/docs/git-rev-list — every commit reachable from any ref or stash entry is searched for the key.

import type { AuditContext } from '../../engine/context.js';
import { defineCheck } from '../../engine/define-check.js';
import type { Evidence } from '../../engine/types.js';
import { absent, at, NO_SIGNER } from '../../facts/services/discovered-services.js';
import { historyStanding } from '../../secrets/format/text.js';
import { DEFAULT_SEARCH_LIMITS, findRepositories } from '../../secrets/git/find-repos.js';
import { scanConfinedHistory } from '../../secrets/git/history.js';
import { searchesHistoryInPlace, searchHistoryInPlace } from '../../secrets/git/remote-history.js';
import { withConfinedRepository } from '../../secrets/git/target-repo.js';
import { operatorKeyFromHex } from '../../secrets/operator-key.js';
import type { Finding, OperatorKey } from '../../secrets/types.js';

/** Where operators keep repositories (and etckeeper keeps /etc's): searched, with every user's home. */
const FIXED_ROOTS = ['/root', '/home', '/opt', '/srv', '/etc', '/var/lib', '/usr/local/src'];
/** Homes that are system directories, not places a person works in. */
const SYSTEM_HOMES = /^\/(bin|sbin|dev|proc|sys|run|usr\/s?bin|nonexistent)?(\/|$)/;
/** At most this many places are listed in evidence per repository. */
const MAX_EVIDENCE_PER_REPO = 10;

async function searchRoots(ctx: AuditContext): Promise<string[]> {
  const roots = new Set(FIXED_ROOTS);
  try {
    for (const user of (await ctx.users()).users) {
      const home = user.home.replace(/\/+$/, '');
      // A home that is no absolute path (a broken passwd line) names no place on the target: nothing to search.
      if (
        home.startsWith('/') &&
        !SYSTEM_HOMES.test(home) &&
        !FIXED_ROOTS.some((root) => home.startsWith(`${root}/`))
      ) {
        roots.add(home);
      }
    }
  } catch {
    // No readable etc/passwd: the fixed roots still cover the usual homes.
  }
  return [...roots];
}

type SignerKey = { key: OperatorKey } | { reason: string };

async function signerKey(ctx: AuditContext): Promise<SignerKey> {
  const { signer } = await ctx.discovery();
  if (!signer) return { reason: NO_SIGNER };
  if (signer.config.status !== 'ok') return { reason: signer.config.reason };
  const value = signer.config.parsed.config.stacksPrivateKey;
  if (value === undefined) return { reason: `${signer.config.path} has no stacks_private_key` };
  const key = operatorKeyFromHex(value);
  return key ? { key } : { reason: `the stacks_private_key in ${signer.config.path} is not a valid key` };
}

/** The work tree's path for a `.git` directory, the directory itself for a bare repository. */
function repositoryName(gitDir: string): string {
  return gitDir.endsWith('/.git') ? gitDir.slice(0, -'/.git'.length) || '/' : gitDir;
}

function placeEvidence(repo: string, finding: Finding): Evidence {
  const where = finding.commit
    ? `commit ${finding.commit.slice(0, 12)} (${finding.date?.slice(0, 10) ?? '?'}, ${finding.author ?? '?'})${historyStanding(finding)}`
    : 'an object no commit reaches';
  return at(
    `${repo === '/' ? '' : repo}/${finding.file}`,
    finding.line,
    `in ${where}, not necessarily in the current files; fingerprint ${finding.fingerprint}`,
  );
}

export default defineCheck({
  id: 'keys/key-in-git',
  title: 'The signer key is in no git repository on the host',
  threats: ['key-in-scm'],
  severity: 'critical',
  description: [
    'A key committed to git stays in every clone, fork, backup and push of that repository, even after the file is',
    'deleted: `git rm` only hides it from the newest commit. The audit looks for git repositories (a `.git` directory',
    'or a bare repository; the submodule repositories git keeps in `.git/modules/`; the repository a `.git` file points',
    "to, as a submodule work tree or `--separate-git-dir` clone has) up to five levels under `/root`, `/home`, every user's",
    'home, `/opt`, `/srv`, `/etc` (etckeeper',
    'commits `/etc` — the signer config with it — to `/etc/.git`), `/var/lib` and `/usr/local/src`, without following',
    'symlinks and skipping container storage. In each it searches what every commit reachable from any branch, tag,',
    'remote-tracking ref or stash entry (older stash entries too) added, merge resolutions included, for the',
    "signer's own `stacks_private_key`, in any",
    'encoding (64/66 hex, `0x`, any case, base64): only that key, so a hit is never a false alarm. A hit fails, naming',
    "the repository, the path in it, the commit that introduced it, the refs whose tip still hold it and the key's",
    'fingerprint, never the key. A history that could not be read through is an error (exit 2), never a pass or a',
    'warning: it might hold the key; when the key was found elsewhere, the failure stands and the unread part is named.',
    'Objects a partial clone lacks are not fetched (the audit makes no network call) and are not on the host. git never',
    "reads the target's repository itself: HEAD, refs and the repository format are copied into a private directory and",
    'the objects are read where they are, or copied out (up to 512 MiB; always inside a tar target), so no alternates,',
    '`commondir`, symlink, `[include]` or FIFO of the repository can make git read the auditing host or hang; each git',
    'process has a timeout. Needs `git` on the auditing machine. Applies when a signer is found; when its key is',
    'not known (config unreadable, no or invalid key) there is nothing to search for: not evaluable.',
    "On a remote host (`--host`, `--inventory`) each history is searched on the host with the host's own `git`, run",
    'confined; the key reaches it on standard input only. No `git` there, or a search that fails or stops, is an error.',
  ].join(' '),
  remediation: [
    'Treat the key as exposed: generate a new key offline, register it for the next stacking cycle and replace it in the',
    'signer config. Then remove the history: rewrite the repository without the file (`git filter-repo --invert-paths',
    '--path <file>`), expire the reflog and drop stashes (`git reflog expire --expire=now --all && git gc --prune=now`),',
    'and do the same on every remote and clone. For etckeeper, exclude the signer config in `/etc/.gitignore` before',
    'the next commit.',
  ].join(' '),
  references: [
    'https://git-scm.com/docs/git-rev-list',
    'https://github.com/newren/git-filter-repo',
    'https://docs.stacks.co/operate/run-a-signer',
  ],
  messages: {
    inHistory: 'The signer key is in the git history of {{repo}} ({{count}} place(s)).',
    clean: 'The signer key is in none of the {{count}} git repositories found ({{repos}}).',
    noRepositories: 'No git repository was found under {{roots}}.',
    unreadable: 'The git repository {{repo}} could not be searched: {{reason}}.',
    unknownKey: 'The signer key is not known, so no repository can be searched for it: {{reason}}.',
  },
  async applies(ctx) {
    const discovery = await ctx.discovery();
    return discovery.signer ? true : absent(discovery, NO_SIGNER);
  },
  async run(ctx, report) {
    const known = await signerKey(ctx);
    if ('reason' in known) return report.notEvaluable('unknownKey', { reason: known.reason });
    const roots = await searchRoots(ctx);
    const search = await findRepositories(ctx.target, roots, DEFAULT_SEARCH_LIMITS);
    const notes = search.notes.map((note) => at(undefined, undefined, note));
    if (search.gitDirs.length === 0) return report.pass('noRepositories', { roots: roots.join(', ') }, notes);
    let clean = 0;
    let failed = false;
    const unsearched: { repo: string; reason: string; evidence: Evidence[] }[] = [];
    for (const gitDir of search.gitDirs) {
      const repo = repositoryName(gitDir);
      try {
        // A remote host's history is searched there, with its own git (the key on stdin); a failure is unsearched.
        const result = searchesHistoryInPlace(ctx.target)
          ? await searchHistoryInPlace(ctx.target, gitDir, known.key)
          : await withConfinedRepository(ctx.target, gitDir, (repository) =>
              scanConfinedHistory(
                repository,
                { keyFrom: known.key },
                ctx.options.onHistoryProgress ? { onProgress: ctx.options.onHistoryProgress } : {},
                gitDir,
              ),
            );
        const warnings = result.warnings.map((warning) => at(gitDir, undefined, warning));
        // Fail closed: what could not be searched is an error (exit 2), found key or not; a key found still fails.
        if (result.incomplete !== undefined) {
          unsearched.push({
            repo,
            reason: result.incomplete,
            evidence: [at(gitDir, undefined, 'not searched completely'), ...warnings],
          });
          if (result.findings.length === 0) continue;
        }
        if (result.findings.length === 0) {
          clean++;
          report.evidence([at(gitDir, undefined, `${result.stats.commits ?? 0} commit(s) searched`), ...warnings]);
          continue;
        }
        const places = result.findings.slice(0, MAX_EVIDENCE_PER_REPO).map((finding) => placeEvidence(repo, finding));
        failed = true;
        report.fail('inHistory', { repo, count: result.findings.length }, [...places, ...warnings]);
      } catch (error) {
        unsearched.push({
          repo,
          reason: (error as Error).message,
          evidence: [at(gitDir, undefined, 'not searched')],
        });
      }
    }
    // Fail closed: a repository that could not be searched (completely) might hold the key, so it is an error (exit 2),
    // never a warning that `--fail-on` lets pass. When the key was found, the failure is the verdict and stays one;
    // what could not be searched is then told in its evidence.
    for (const { repo, reason, evidence } of unsearched) {
      if (failed) report.evidence([at(undefined, undefined, `${repo} could not be searched: ${reason}`), ...evidence]);
      else report.error('unreadable', { repo, reason }, evidence);
    }
    if (clean === search.gitDirs.length) {
      report.pass('clean', { count: clean, repos: search.gitDirs.map(repositoryName).join(', ') }, notes);
    } else if (notes.length > 0) report.evidence(notes);
  },
});
