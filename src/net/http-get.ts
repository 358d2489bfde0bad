// One GET with a deadline and a size cap, over node:http/https: no redirects followed, no credentials sent.
import { get as httpGetRequest, type IncomingMessage } from 'node:http';
import { get as httpsGetRequest } from 'node:https';

export interface HttpResult {
  status: number;
  body: string;
}

export type HttpFailure = 'refused' | 'host-not-found' | 'unreachable' | 'timeout' | 'too-large' | 'connection';

/** The request got no complete answer; `message` says why in one line, naming the URL. */
export class HttpGetError extends Error {
  constructor(
    readonly failure: HttpFailure,
    message: string,
  ) {
    super(message);
    this.name = 'HttpGetError';
  }
}

const NETWORK_FAILURES: Record<string, [HttpFailure, string]> = {
  ECONNREFUSED: ['refused', 'connection refused (is the node running, and is this its RPC port?)'],
  ENOTFOUND: ['host-not-found', 'host name not found'],
  EAI_AGAIN: ['host-not-found', 'host name could not be resolved (temporary DNS failure)'],
  EHOSTUNREACH: ['unreachable', 'host unreachable'],
  ENETUNREACH: ['unreachable', 'network unreachable'],
  ECONNRESET: ['connection', 'the connection was reset'],
  EPIPE: ['connection', 'the connection was closed'],
};

export interface HttpGetOptions {
  timeoutMs: number;
  maxBytes: number;
}

/** GETs `url`; resolves with any HTTP status (the caller judges it), rejects with HttpGetError. */
export function httpGet(url: URL, options: HttpGetOptions): Promise<HttpResult> {
  const shown = url.href;
  return new Promise((resolve, reject) => {
    let settled = false;
    const finish = (error: HttpGetError | undefined, result?: HttpResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) reject(error);
      else resolve(result!);
    };
    const get = url.protocol === 'https:' ? httpsGetRequest : httpGetRequest;
    const request = get(url, { headers: { accept: 'application/json' } }, (response: IncomingMessage) => {
      const chunks: Buffer[] = [];
      let size = 0;
      response.on('data', (chunk: Buffer) => {
        size += chunk.length;
        if (size > options.maxBytes) {
          finish(new HttpGetError('too-large', `${shown}: the answer is larger than ${options.maxBytes} bytes`));
          request.destroy();
          return;
        }
        chunks.push(chunk);
      });
      response.on('end', () =>
        finish(undefined, { status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
      );
      response.on('error', (error) => finish(networkError(shown, error)));
      response.on('aborted', () => finish(new HttpGetError('connection', `${shown}: the answer was cut off`)));
    });
    // The deadline covers the whole exchange (connect, headers, body), not just socket idleness.
    const timer = setTimeout(() => {
      finish(new HttpGetError('timeout', `${shown}: no complete answer within ${formatSeconds(options.timeoutMs)}`));
      request.destroy();
    }, options.timeoutMs);
    request.on('error', (error) => finish(networkError(shown, error)));
  });
}

function networkError(shown: string, error: Error): HttpGetError {
  const code = (error as NodeJS.ErrnoException).code ?? '';
  const known = NETWORK_FAILURES[code];
  if (known) return new HttpGetError(known[0], `cannot reach ${shown}: ${known[1]}`);
  return new HttpGetError('connection', `cannot reach ${shown}: ${code || error.message}`);
}

function formatSeconds(ms: number): string {
  return `${Number((ms / 1000).toFixed(3))} s`;
}
