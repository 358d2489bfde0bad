import assert from 'node:assert/strict';
import check from '../../../src/checks/practice/verify-releases.js';
import { runCheckCases } from '../../support/check-tester.js';
import { serviceHost } from '../../support/service-hosts.js';

runCheckCases(check, {
  manual: [
    {
      name: 'no signer: general guidance',
      files: {},
      messages: ['confirm'],
      verify: ({ result }) => {
        assert.match(result.message, /sha512sum --check --ignore-missing CHECKSUMS\.txt/);
        assert.match(result.message, /gh attestation verify <archive> --repo stacks-network\/stacks-core/);
      },
    },
    {
      name: 'names the binary the unit starts',
      files: serviceHost({ signer: ['User=stacks-signer'] }),
      messages: ['confirmBinary'],
      verify: ({ result }) =>
        assert.match(result.message, /^Confirm \/usr\/local\/bin\/stacks-signer came from a verified release/),
    },
  ],
});
