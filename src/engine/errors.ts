import type { Evidence } from './types.js';

/**
 * A known reason a check cannot reach a verdict (malformed config, unreadable file). Becomes an `error`
 * result whose message says where and why; the run goes on.
 */
export class CheckError extends Error {
  constructor(
    message: string,
    readonly evidence?: Evidence,
  ) {
    super(message);
    this.name = 'CheckError';
  }
}
