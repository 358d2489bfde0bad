// The layering of src/ (ARCHITECTURE.md), as rules that fail `npm test` (npm run deps). Type-only imports count:
// a type import is still a dependency of the reader's understanding, and cycles through types are cycles.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment: 'No module may reach itself through its imports.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'parsers-import-only-parsers',
      severity: 'error',
      comment: 'Parsers turn text into data, pure: they import nothing of ours but other parsers.',
      from: { path: '^src/parsers/' },
      to: { path: '^src/', pathNot: '^src/parsers/' },
    },
    {
      name: 'facts-below-checks-harden-report-cli',
      severity: 'error',
      comment: 'Facts describe the host; the controls, planners, formatters and CLI read them, never the reverse.',
      from: { path: '^src/facts/' },
      to: { path: '^src/(checks|harden|report|cli)/' },
    },
    {
      name: 'checks-never-import-harden',
      severity: 'error',
      comment: 'A control judges; it does not plan changes.',
      from: { path: '^src/checks/' },
      to: { path: '^src/harden/' },
    },
    {
      name: 'checks-read-no-files-and-run-nothing',
      severity: 'error',
      comment: 'Controls read the host only through the target and the facts (so they work on a tar, a directory, live).',
      from: { path: '^src/checks/' },
      to: { dependencyTypes: ['core'], path: '^(node:)?(fs|fs/promises|child_process)$' },
    },
    {
      name: 'harden-imports-no-check-file',
      severity: 'error',
      comment: 'Planners read the same facts as the controls; only the catalogue (to re-audit with) comes from checks/.',
      from: { path: '^src/harden/' },
      to: { path: '^src/checks/', pathNot: '^src/checks/index\\.ts$' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
  },
};
