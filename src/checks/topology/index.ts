import type { Check } from '../../engine/define-check.js';
import colocation from './colocation.js';
import containerPublishedPorts from './container-published-ports.js';
import inboundFirewall from './inbound-firewall.js';
import listeningSockets from './listening-sockets.js';
import metricsEndpointLocal from './metrics-endpoint-local.js';
import nodeHostTrusted from './node-host-trusted.js';
import nodeRpcExposure from './node-rpc-exposure.js';
import observerEndpointTrusted from './observer-endpoint-trusted.js';
import signerEndpointExposure from './signer-endpoint-exposure.js';

/** The topology family, in catalogue order. */
export const topologyChecks: Check[] = [
  nodeHostTrusted,
  observerEndpointTrusted,
  signerEndpointExposure,
  metricsEndpointLocal,
  nodeRpcExposure,
  inboundFirewall,
  listeningSockets,
  containerPublishedPorts,
  colocation,
];
