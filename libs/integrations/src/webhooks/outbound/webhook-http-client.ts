import { lookup as dnsLookup } from 'node:dns/promises';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { performance } from 'node:perf_hooks';
import { ipLiteralOf, isRefusedAddress } from './target-address';

/** How much of a receiver's answer is read (for the log); the rest is dropped. */
export const MAX_RESPONSE_BYTES = 4 * 1024;

export interface WebhookRequest {
  url: string;
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  allowPrivateTargets: boolean;
}

export interface WebhookResponse {
  /** The receiver's status code, when it answered. */
  statusCode?: number;
  /** Why the attempt failed (absent on 2xx). */
  error?: string;
  durationMs: number;
  /** The start of the answer, at most MAX_RESPONSE_BYTES. */
  responseExcerpt?: string;
}

class RefusedTarget extends Error {}

/**
 * Resolves the host once and checks every address it has (one private address among public ones
 * is refused too, or a rebinding resolver could pick it); returns the address to dial.
 */
async function resolveTarget(hostname: string, allowPrivate: boolean): Promise<{ address: string; family: number }> {
  const literal = ipLiteralOf(hostname);
  const addresses = literal
    ? [{ address: literal, family: literal.includes(':') ? 6 : 4 }]
    : await dnsLookup(hostname, { all: true, verbatim: true }).catch((error: NodeJS.ErrnoException) => {
        throw new Error(`cannot resolve ${hostname}: ${error.code ?? error.message}`);
      });
  if (addresses.length === 0) throw new Error(`cannot resolve ${hostname}: no address`);
  if (!allowPrivate) {
    const bad = addresses.find((a) => isRefusedAddress(a.address));
    if (bad) throw new RefusedTarget(`refused to connect to private address ${bad.address} (${hostname})`);
  }
  return addresses[0];
}

/** A `lookup` that answers with the address already checked, so the socket cannot dial another. */
function pinnedLookup(address: string, family: number): LookupFunction {
  return ((_host: string, options: { all?: boolean }, callback: (...args: unknown[]) => void) => {
    if (options?.all) callback(null, [{ address, family }]);
    else callback(null, address, family);
  }) as LookupFunction;
}

/**
 * One webhook POST, made safe for tenant-chosen URLs: the host is resolved once, refused when any
 * of its addresses is private (unless allowed), and the connection goes to that checked address (no
 * second lookup; TLS still verifies the certificate for the host name). Redirects are not followed
 * (a 3xx is a failure), the whole attempt is bounded by `timeoutMs`, and at most
 * MAX_RESPONSE_BYTES of the answer are read. Never throws: the outcome says what happened.
 */
export async function postWebhook(request: WebhookRequest): Promise<WebhookResponse> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const url = new URL(request.url);
  const controller = new AbortController();
  const timer = setTimeout(() => controller.abort(), request.timeoutMs);
  try {
    // A subscription made while http was allowed is not delivered over http once it is not.
    if (url.protocol !== 'https:' && !(request.allowPrivateTargets && url.protocol === 'http:')) {
      throw new Error(`refused to deliver over ${url.protocol.replace(':', '')}: https is required`);
    }
    const target = await Promise.race([
      resolveTarget(url.hostname, request.allowPrivateTargets),
      new Promise<never>((_, reject) =>
        controller.signal.addEventListener('abort', () => reject(new Error('timed out resolving the host'))),
      ),
    ]);
    const response = await send(url, request, target, controller.signal);
    const { statusCode, excerpt } = response;
    if (statusCode >= 200 && statusCode < 300) return { statusCode, durationMs: elapsed(), responseExcerpt: excerpt };
    const error =
      statusCode >= 300 && statusCode < 400
        ? `redirect (HTTP ${statusCode}) not followed`
        : `receiver answered HTTP ${statusCode}`;
    return { statusCode, error, durationMs: elapsed(), responseExcerpt: excerpt };
  } catch (error) {
    const message = controller.signal.aborted
      ? `timed out after ${request.timeoutMs} ms`
      : error instanceof Error
        ? error.message
        : String(error);
    return { error: message.slice(0, 1000), durationMs: elapsed() };
  } finally {
    clearTimeout(timer);
  }
}

function send(
  url: URL,
  request: WebhookRequest,
  target: { address: string; family: number },
  signal: AbortSignal,
): Promise<{ statusCode: number; excerpt: string }> {
  return new Promise((resolve, reject) => {
    const https = url.protocol === 'https:';
    const req = (https ? httpsRequest : httpRequest)(
      {
        protocol: url.protocol,
        hostname: url.hostname.replace(/^\[|\]$/g, ''),
        port: url.port || (https ? 443 : 80),
        path: `${url.pathname}${url.search}`,
        method: 'POST',
        headers: { ...request.headers, 'content-length': Buffer.byteLength(request.body).toString() },
        lookup: pinnedLookup(target.address, target.family),
        // A fresh connection per attempt: no pooled socket to a previously resolved address.
        agent: false,
        signal,
      },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const finish = () => {
          resolve({ statusCode: res.statusCode ?? 0, excerpt: Buffer.concat(chunks).toString('utf8') });
          res.destroy();
        };
        res.on('data', (chunk: Buffer) => {
          if (size < MAX_RESPONSE_BYTES) chunks.push(chunk.subarray(0, MAX_RESPONSE_BYTES - size));
          size += chunk.length;
          if (size >= MAX_RESPONSE_BYTES) finish();
        });
        res.on('end', finish);
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(request.body);
  });
}
