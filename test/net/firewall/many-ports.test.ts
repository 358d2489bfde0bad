// Issue 18: many rules naming distinct ports were quadratic in time and memory. Every port piece specialised every
// rule, listed every source piece, and merged the whole list of deciding rules of the entry it extended: 8,000
// rules each accepting its own port took 43 s and 2.2 GB, 8,000 rules each naming a port and a /24 25.8 s. These
// tests are not timed: they count the work (rules and matches looked at for the pieces' views, rules walked,
// sources and origins gathered) and assert it is linear in the rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CheckError } from '../../../src/engine/errors.js';
import { inboundExposure } from '../../../src/net/firewall/exposure.js';
import { exposureWorkDone, resetRulesVisited, rulesVisited } from '../../../src/net/firewall/walk-count.js';
import type { FirewallRuleset } from '../../../src/parsers/firewall/model.js';
import { bansAndPorts, PORT_SHAPES, ufwMixed } from './port-shapes.js';

const TIMEOUT = 120_000;
const SMALL = 2_000;
const LARGE = 20_000;
/** Units of work per rule, at most: the shapes take 10 to 25; the old model took about one per rule per piece. */
const WORK_PER_RULE = 40;

function work(ruleset: FirewallRuleset) {
  resetRulesVisited();
  const exposure = inboundExposure(ruleset);
  return { exposure, units: exposureWorkDone() + rulesVisited() };
}

for (const [shape, make] of Object.entries(PORT_SHAPES)) {
  test(`${LARGE} rules naming distinct ports (${shape}): work linear in the rules`, { timeout: TIMEOUT }, () => {
    const small = work(make(SMALL)).units;
    const { exposure, units } = work(make(LARGE));
    assert.ok(units <= WORK_PER_RULE * LARGE, `${units} units for ${LARGE} rules`);
    // Ten times the rules, about ten times the work (a quadratic model is a hundred times).
    assert.ok(units <= 12 * small, `${small} units for ${SMALL} rules, ${units} for ${LARGE}`);
    const open = exposure.reduce((sum, family) => sum + family.open.length, 0);
    assert.ok(open >= 1, shape);
  });
}

test('iptables: 20k ports each open to anyone are one entry naming the 20k rules', { timeout: TIMEOUT }, () => {
  const ipv4 = work(PORT_SHAPES['iptables ports']!(LARGE)).exposure.find((family) => family.family === 'ipv4')!;
  assert.deepEqual(
    ipv4.open.map((entry) => ({ ports: entry.ports, sources: entry.sources, reach: entry.reach })),
    [
      { ports: { from: 22, to: 22 }, sources: 'any', reach: 'open' },
      { ports: { from: 1000, to: 1000 + LARGE - 1 }, sources: 'any', reach: 'open' },
    ],
  );
  assert.equal(ipv4.open[1]!.decidedBy.length, LARGE);
  assert.equal(ipv4.defaultReach, 'closed');
});

test('iptables: 20k ports each open to its own /24 through a limit', { timeout: TIMEOUT }, () => {
  const shape = PORT_SHAPES['iptables port and source to a limit']!(LARGE);
  const ipv4 = work(shape).exposure.find((family) => family.family === 'ipv4')!;
  const port = ipv4.open.filter((entry) => entry.ports.from <= 1005 && 1005 <= entry.ports.to);
  assert.deepEqual(
    port.map((entry) => ({ ports: entry.ports, sources: entry.sources, reach: entry.reach })),
    [{ ports: { from: 1005, to: 1005 }, sources: ['10.0.5.0/24'], reach: 'possibly-open' }],
  );
});

test('thousands of bans every port sees, times thousands of ports: refused as too complex, early', {
  timeout: TIMEOUT,
}, () => {
  resetRulesVisited();
  assert.throws(
    () => inboundExposure(bansAndPorts(2_000, 2_000)),
    (error: unknown) =>
      error instanceof CheckError &&
      /^firewall too complex to evaluate: .*; the exposure is not known$/.test(error.message),
  );
  // Refused once the pieces left were sure to go past the limit, not after doing the work up to it.
  assert.ok(exposureWorkDone() + rulesVisited() < 100_000, `${exposureWorkDone() + rulesVisited()} units`);
});

test('a few bans every port sees, times a few hundred ports: evaluated', { timeout: TIMEOUT }, () => {
  const ipv4 = work(bansAndPorts(50, 300)).exposure.find((family) => family.family === 'ipv4')!;
  assert.deepEqual(
    ipv4.open.map((entry) => ({ ports: entry.ports, sources: entry.sources })),
    [
      { ports: { from: 22, to: 22 }, sources: 'any' },
      { ports: { from: 1000, to: 1299 }, sources: 'any' },
    ],
  );
});

test('ufw: 500 allows by source alone between 500 allows by port are evaluated, not refused', {
  timeout: TIMEOUT,
}, () => {
  const ipv4 = work(ufwMixed(500)).exposure.find((family) => family.family === 'ipv4')!;
  const ports = ipv4.open.filter((entry) => entry.ports.from >= 8000);
  assert.deepEqual(
    ports.map((entry) => ({ ports: entry.ports, sources: entry.sources === 'any' ? 'any' : entry.sources.length })),
    [
      { ports: { from: 8000, to: 8499 }, sources: 'any' },
      { ports: { from: 8500, to: 65535 }, sources: 500 },
    ],
  );
  // Each port is decided by its own rule and by every allow by source before it: all 1,000 by port 8499.
  assert.equal(ports[0]!.decidedBy.length, 1_000);
});
