import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  parseComposePorts,
  parsePortBindings,
  parseShortPort,
  publishAllExposed,
  publishesPort,
} from '../../src/parsers/container-ports.js';

const brief = (text: string) => {
  const port = parseShortPort(text);
  return port && [port.hostIp, port.hostPort, port.containerPort, port.containerPortEnd, port.protocol];
};

describe('compose short port syntax', () => {
  test('host:container binds all interfaces; a host address narrows it', () => {
    assert.deepEqual(brief('30000:30000'), ['', '30000', 30000, 30000, 'tcp']);
    assert.deepEqual(brief('127.0.0.1:30000:30000'), ['127.0.0.1', '30000', 30000, 30000, 'tcp']);
    assert.deepEqual(brief('[::1]:30000:30000'), ['::1', '30000', 30000, 30000, 'tcp']);
    assert.deepEqual(brief('10.0.0.5::30000'), ['10.0.0.5', '', 30000, 30000, 'tcp']);
  });

  test('a bare container port gets a random host port on every interface; protocols and ranges', () => {
    assert.deepEqual(brief('30000'), ['', '', 30000, 30000, 'tcp']);
    assert.deepEqual(brief('20444:20444/udp'), ['', '20444', 20444, 20444, 'udp']);
    assert.deepEqual(brief('9000-9010:30000-30010'), ['', '9000-9010', 30000, 30010, 'tcp']);
  });

  test('nonsense is refused', () => {
    for (const text of ['', 'abc', '30000:99999', '1:2:3:4/tcp/', '[::1]:x:30000', '30000/icmp']) {
      assert.equal(parseShortPort(text), undefined, text);
    }
  });
});

describe('compose ports: lists and long syntax', () => {
  test('long form with and without host_ip; numbers; bad entries named by index', () => {
    const { ports, problems } = parseComposePorts([
      { target: 30000, published: '30000', host_ip: '127.0.0.1', protocol: 'tcp', mode: 'host' },
      { target: 20443 },
      30001,
      { published: 1 },
    ]);
    assert.deepEqual(
      ports.map((port) => [port.hostIp, port.hostPort, port.containerPort]),
      [
        ['127.0.0.1', '30000', 30000],
        ['', '', 20443],
        ['', '', 30001],
      ],
    );
    assert.deepEqual(problems, ['ports[3] is not a port mapping']);
    assert.deepEqual(parseComposePorts('30000:30000').problems, ['ports: is not a list']);
  });

  test('publishesPort covers ranges, TCP only', () => {
    const range = parseShortPort('30000-30010:30000-30010')!;
    assert.ok(publishesPort(range, 30005));
    assert.ok(!publishesPort(range, 30011));
    assert.ok(!publishesPort(parseShortPort('30000:30000/udp')!, 30000));
  });
});

describe('engine port bindings', () => {
  test('HostConfig.PortBindings: an empty HostIp is every interface', () => {
    const ports = parsePortBindings({
      '30000/tcp': [{ HostIp: '', HostPort: '30000' }],
      '9154/tcp': [{ HostIp: '127.0.0.1', HostPort: '9154' }],
      '20444/udp': [{ HostIp: '::', HostPort: '20444' }],
    });
    assert.deepEqual(
      ports.map((port) => [port.hostIp, port.hostPort, port.containerPort, port.protocol, port.written]),
      [
        ['', '30000', 30000, 'tcp', '30000:30000/tcp'],
        ['127.0.0.1', '9154', 9154, 'tcp', '127.0.0.1:9154:9154/tcp'],
        ['::', '20444', 20444, 'udp', '[::]:20444:20444/udp'],
      ],
    );
    assert.deepEqual(parsePortBindings(null), []);
  });

  test('PublishAllPorts publishes every exposed port on all interfaces', () => {
    assert.deepEqual(
      publishAllExposed({ '30000/tcp': {} }).map((port) => [port.hostIp, port.containerPort, port.written]),
      [['', 30000, '-P 30000/tcp']],
    );
  });
});
