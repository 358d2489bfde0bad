// The host model: the facts about a target that controls judge and planners act on, each computed on first use and
// once per run (per AuditContext), then shared by every control and planner that asks. Checks and harden read
// facts through `facts(ctx)`; the modules beside this file compute them (and hold the pure helpers that go with
// them). A fact that needs the context takes it here, so that a new target kind (SSH, a fleet) changes only
// how bytes are read, never what a control sees.
import type { ComposeService } from '../discovery/compose.js';
import type { Service } from '../discovery/types.js';
import type { AuditContext } from '../engine/context.js';
import type { FamilyExposure } from '../net/firewall/exposure.js';
import type { HostsEntry } from '../parsers/hosts.js';
import { serviceAccount } from './accounts/service-accounts.js';
import { stacksContainers } from './containers/stacks-containers.js';
import { targetHosts } from './network/endpoint-trust.js';
import { firewallExposure, nodeAddresses } from './network/firewall-reach.js';
import { type ServiceEnvironment, serviceEnvironment } from './services/service-environment.js';
import { type ServiceUser, serviceUser } from './services/service-user.js';
import { type SignerLocalAddress, signerLocalAddresses } from './services/signer-local-addresses.js';

export interface HostFacts {
  /** The account a service runs as, as systemd, compose or the live process says (containers: host view). */
  serviceUser(service: Service): Promise<ServiceUser | undefined>;
  /** The account a service runs as, a container's `user:` read as Docker reads it. */
  serviceAccount(service: Service): Promise<ServiceUser | undefined>;
  /** The environment a service starts with: unit Environment=/EnvironmentFile=, compose environment/env_file/.env. */
  serviceEnvironment(service: Service): Promise<ServiceEnvironment>;
  /** Every signer and node container found, compose first, then the engine's. */
  stacksContainers(): Promise<ComposeService[]>;
  /** The signer's own addresses (endpoint, metrics_endpoint, observers aimed at it). */
  signerLocalAddresses(): Promise<SignerLocalAddress[]>;
  /** The target's /etc/hosts (empty when unreadable). */
  hosts(): Promise<HostsEntry[]>;
  /** The addresses the signer's node_host names (its node, as the firewall should admit it). */
  nodeAddresses(): Promise<string[]>;
  /** Inbound exposure per family; undefined when no firewall is active or readable. */
  firewallExposure(): Promise<FamilyExposure[] | undefined>;
}

const byContext = new WeakMap<AuditContext, HostFacts>();

/** The host model of this run's target: one per AuditContext, every fact computed at most once. */
export function facts(ctx: AuditContext): HostFacts {
  let model = byContext.get(ctx);
  if (!model) {
    model = createFacts(ctx);
    byContext.set(ctx, model);
  }
  return model;
}

function once<T>(compute: () => Promise<T>): () => Promise<T> {
  let promise: Promise<T> | undefined;
  return () => {
    promise ??= compute();
    return promise;
  };
}

function perService<T>(compute: (service: Service) => Promise<T>): (service: Service) => Promise<T> {
  const computed = new WeakMap<Service, Promise<T>>();
  return (service) => {
    let promise = computed.get(service);
    if (!promise) {
      promise = compute(service);
      computed.set(service, promise);
    }
    return promise;
  };
}

function createFacts(ctx: AuditContext): HostFacts {
  return {
    serviceUser: perService((service) => serviceUser(ctx, service)),
    serviceAccount: perService((service) => serviceAccount(ctx, service)),
    serviceEnvironment: perService((service) => serviceEnvironment(ctx, service)),
    stacksContainers: once(() => stacksContainers(ctx)),
    signerLocalAddresses: once(() => signerLocalAddresses(ctx)),
    hosts: once(() => targetHosts(ctx)),
    nodeAddresses: once(() => nodeAddresses(ctx)),
    firewallExposure: once(() => firewallExposure(ctx)),
  };
}
