import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { fleetThreads } from '../../src/fleet/fleet-threads.js';

describe('fleetThreads', () => {
  test('one per core, at most --forks, and only with at least two hosts for each thread', () => {
    assert.equal(fleetThreads(20, 10, 2), 2);
    assert.equal(fleetThreads(20, 10, 8), 8);
    assert.equal(fleetThreads(20, 1, 8), 1);
    assert.equal(fleetThreads(3, 10, 8), 1);
    assert.equal(fleetThreads(4, 10, 8), 2);
    assert.equal(fleetThreads(1, 10, 1), 1);
  });
});
