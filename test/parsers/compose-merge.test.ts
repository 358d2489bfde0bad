import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { mergeComposeDocuments, mergeComposeService } from '../../src/parsers/compose-merge.js';

describe('compose merge (compose spec, merge rules)', () => {
  test('mappings merge key by key; scalars from the later file win', () => {
    assert.deepEqual(
      mergeComposeService({ image: 'a', user: '990', read_only: true }, { user: '0', privileged: true }),
      {
        image: 'a',
        user: '0',
        read_only: true,
        privileged: true,
      },
    );
  });

  test('sequences are appended; command and entrypoint are replaced', () => {
    assert.deepEqual(
      mergeComposeService(
        { cap_add: ['NET_ADMIN'], command: ['run', '--config', '/a.toml'], entrypoint: ['/bin/a'] },
        { cap_add: ['SYS_PTRACE'], command: ['run', '--config', '/b.toml'], entrypoint: ['/bin/b'] },
      ),
      { cap_add: ['NET_ADMIN', 'SYS_PTRACE'], command: ['run', '--config', '/b.toml'], entrypoint: ['/bin/b'] },
    );
  });

  test('ports are unique by address, ports and protocol: a new mapping is added, the same one not twice', () => {
    const merged = mergeComposeService(
      { ports: ['127.0.0.1:30000:30000', '20444:20444'] },
      { ports: ['30001:30000', '20444:20444/tcp'] },
    ) as { ports: string[] };
    assert.deepEqual(merged.ports, ['127.0.0.1:30000:30000', '20444:20444/tcp', '30001:30000']);
  });

  test('volumes are unique by container path: the later mount of a path replaces the earlier', () => {
    const merged = mergeComposeService(
      { volumes: ['./signer.toml:/signer-config.toml:ro', './data:/data'] },
      { volumes: ['./signer.toml:/signer-config.toml', { type: 'bind', source: '/run', target: '/host-run' }] },
    ) as { volumes: unknown[] };
    assert.deepEqual(merged.volumes, [
      './signer.toml:/signer-config.toml',
      './data:/data',
      { type: 'bind', source: '/run', target: '/host-run' },
    ]);
  });

  test('environment merges by name across the list and map forms', () => {
    const merged = mergeComposeService({ environment: ['A=1', 'B=2'] }, { environment: { B: '3', C: null } }) as {
      environment: unknown;
    };
    assert.deepEqual(merged.environment, { A: '1', B: '3', C: null });
  });

  test('documents: services only in the override are added; non-mapping documents are ignored', () => {
    const merged = mergeComposeDocuments([
      { services: { signer: { image: 's', ports: ['127.0.0.1:30000:30000'] } } },
      null,
      { services: { signer: { ports: ['30001:30000'] }, node: { image: 'n' } } },
    ]);
    assert.deepEqual(merged.services, {
      signer: { image: 's', ports: ['127.0.0.1:30000:30000', '30001:30000'] },
      node: { image: 'n' },
    });
  });
});
