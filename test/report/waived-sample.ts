// The sample report with one waiver applied and one expired, as the audit builds them: for the format tests.
import { summarise } from '../../src/report/build.js';
import type { AuditReport, ReportResult } from '../../src/report/types.js';
import { sampleReport, sampleResults } from './sample-report.js';

export const WAIVERS_FILE = '/etc/signer-opsec/waivers.yml';

export function waivedSampleReport(): AuditReport {
  const results: ReportResult[] = sampleResults().map((result) => {
    if (result.id === 'keys/key-in-git')
      return {
        ...result,
        waiver: {
          state: 'applied',
          justification: 'test repository, key rotated',
          expires: '2099-12-31',
          file: WAIVERS_FILE,
          line: 1,
        },
      };
    if (result.id === 'keys/signer-config-permissions')
      return {
        ...result,
        waiver: { state: 'expired', justification: 'old', expires: '2001-01-01', file: WAIVERS_FILE, line: 4 },
      };
    return result;
  });
  const report = sampleReport(results);
  report.summary = summarise(results, 'high', 1234);
  report.waivers = {
    file: WAIVERS_FILE,
    entries: [
      {
        id: 'keys/key-in-git',
        justification: 'test repository, key rotated',
        expires: '2099-12-31',
        run: true,
        line: 1,
        state: 'applied',
      },
      {
        id: 'keys/signer-config-permissions',
        justification: 'old',
        expires: '2001-01-01',
        run: true,
        line: 4,
        state: 'expired',
      },
    ],
  };
  return report;
}
