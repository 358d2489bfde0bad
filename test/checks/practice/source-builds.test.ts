import assert from 'node:assert/strict';
import check from '../../../src/checks/practice/source-builds.js';
import { runCheckCases } from '../../support/check-tester.js';
import { signerHost } from '../../support/hosts.js';

runCheckCases(check, {
  manual: [
    { name: 'an empty target still asks a person', files: {}, messages: ['confirm'] },
    {
      name: 'a host with a signer gets the same guidance',
      files: signerHost(),
      messages: ['confirm'],
      verify: ({ result }) => assert.equal(result.evidence.length, 0),
    },
  ],
});
