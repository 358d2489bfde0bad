// Reads a cycle's signer set from the operator's own node: GET /v3/stacker_set/{cycle}, or /v2/... on a 2.5 node
// (stacks-core:stackslib/src/net/api/getstackers.rs; stacks-facts.md §7). Not ready yet: HTTP 400
// {"err_type":"not_available_try_again"}.
import { jsonOverLimits, PARSE_LIMITS } from '../parsers/parse-limits.js';
import { parseStackerSet, type StackerSet, StackerSetError } from '../stacks/signer-set.js';
import { type HttpGetOptions, httpGet } from './http-get.js';

export type NodeRpcFailure = 'not-available' | 'rejected' | 'no-endpoint' | 'http-status' | 'bad-answer';

export class NodeRpcError extends Error {
  constructor(
    readonly failure: NodeRpcFailure,
    message: string,
  ) {
    super(message);
    this.name = 'NodeRpcError';
  }
}

export interface FetchedStackerSet {
  set: StackerSet;
  /** The URL that answered. */
  url: string;
}

// The node caps the path's cycle at 10 digits (`[0-9]{1,10}`).
export const MAX_CYCLE = 9_999_999_999;
/** A mainnet set is a few kilobytes per signer and at most 4000 signers: 16 MiB is far beyond any real answer. */
const MAX_ANSWER_BYTES = 16 * 1024 * 1024;

/** Text the node wrote, made safe for one line of a message. */
function quoteNodeText(text: string): string {
  const clean = text.replace(/\p{Cc}+/gu, ' ').trim();
  return JSON.stringify(clean.length > 200 ? `${clean.slice(0, 200)}…` : clean);
}

function errorBody(body: string): { type?: string; message?: string } {
  // Two fields are read; a body over the limits has no usable reason.
  if (jsonOverLimits(body, PARSE_LIMITS.stackerSet)) return {};
  try {
    const parsed = JSON.parse(body) as { err_type?: unknown; err_msg?: unknown };
    return {
      ...(typeof parsed.err_type === 'string' ? { type: parsed.err_type } : {}),
      ...(typeof parsed.err_msg === 'string' ? { message: parsed.err_msg } : {}),
    };
  } catch {
    return {};
  }
}

/** `node` is the RPC base URL (`http://127.0.0.1:20443`, optionally with a path prefix behind a proxy). */
export async function fetchStackerSet(
  node: URL,
  cycle: number,
  options: Partial<HttpGetOptions> & { timeoutMs: number },
): Promise<FetchedStackerSet> {
  const base = node.href.replace(/\/+$/, '');
  const tried: string[] = [];
  for (const version of ['v3', 'v2']) {
    const url = new URL(`${base}/${version}/stacker_set/${cycle}`);
    tried.push(url.pathname);
    const answer = await httpGet(url, { timeoutMs: options.timeoutMs, maxBytes: options.maxBytes ?? MAX_ANSWER_BYTES });
    if (answer.status === 404 && version === 'v3') continue;
    if (answer.status === 200) {
      try {
        return { set: parseStackerSet(answer.body), url: url.href };
      } catch (error) {
        if (error instanceof StackerSetError)
          throw new NodeRpcError('bad-answer', `${url.href}: the answer is not a usable stacker set: ${error.message}`);
        throw error;
      }
    }
    if (answer.status === 400) {
      const { type, message } = errorBody(answer.body);
      if (type === 'not_available_try_again')
        throw new NodeRpcError(
          'not-available',
          `cycle ${cycle}'s signer set is not available yet: the node computes it in the cycle's prepare phase; ` +
            `try again later${message ? ` (node: ${quoteNodeText(message)})` : ''}`,
        );
      throw new NodeRpcError(
        'rejected',
        `${url.href}: the node refused the request (HTTP 400)${message ? `: ${quoteNodeText(message)}` : ''}`,
      );
    }
    if (answer.status === 404)
      throw new NodeRpcError(
        'no-endpoint',
        `${node.href}: no stacker_set endpoint (HTTP 404 for ${tried.join(' and ')}); is this a Stacks node's RPC port (20443)?`,
      );
    throw new NodeRpcError('http-status', `${url.href}: HTTP ${answer.status} from the node`);
  }
  // Unreachable: the loop returns or throws on v2.
  throw new NodeRpcError('no-endpoint', `${node.href}: no stacker_set endpoint`);
}
