import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import { request as httpRequest, STATUS_CODES } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { BlockList, isIP, type LookupFunction } from 'node:net';

/** Mailpit's link-check response (internal/linkcheck/structs.go). */
export interface LinkStatus {
  URL: string;
  /** 0 when there was no HTTP answer (DNS, refused, timeout). */
  StatusCode: number;
  Status: string;
}
export interface LinkCheckReport {
  /** Links with no answer or a status of 400 and above. */
  Errors: number;
  Links: LinkStatus[];
}

export interface LinkCheckOptions {
  /** Follow redirects (up to 3, as Mailpit), each hop checked again. */
  follow: boolean;
  /** Mailpit's --allow-internal-http-requests: loopback and private addresses may be asked. */
  allowInternal: boolean;
  timeoutMs?: number;
  concurrency?: number;
}

const MAX_REDIRECTS = 3;
const DEFAULT_TIMEOUT_MS = 10_000;
const DEFAULT_CONCURRENCY = 6;

/** Addresses a captured message must not make mailsim reach (SSRF), unless allowed: Mailpit's list. */
const INTERNAL = new BlockList();
for (const [net, bits] of [['0.0.0.0', 8], ['10.0.0.0', 8], ['100.64.0.0', 10], ['127.0.0.0', 8], ['169.254.0.0', 16], ['172.16.0.0', 12], ['192.168.0.0', 16], ['224.0.0.0', 4], ['240.0.0.0', 4]] as const) {
  INTERNAL.addSubnet(net, bits, 'ipv4');
}
for (const [net, bits] of [['::', 128], ['::1', 128], ['fc00::', 7], ['fe80::', 10], ['ff00::', 8], ['::ffff:0:0', 96]] as const) INTERNAL.addSubnet(net, bits, 'ipv6');

class BlockedAddress extends Error {}

export function isInternal(address: string): boolean {
  const family = isIP(address);
  return family !== 0 && INTERNAL.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** Resolves as usual, then refuses an internal address at connect time (no DNS-rebinding gap). */
const guardedLookup: LookupFunction = (hostname, options, callback) => {
  dnsLookup(hostname, { ...options, all: true }, (error, addresses: LookupAddress[]) => {
    if (error) return callback(error, '', 0);
    const allowed = addresses.filter((a) => !isInternal(a.address));
    if (allowed.length === 0) return callback(new BlockedAddress(`${hostname} resolves to a private/reserved address`), '', 0);
    if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, allowed);
    callback(null, allowed[0]!.address, allowed[0]!.family);
  });
};

/** One HEAD request: the status and, for a redirect, where to. */
function head(url: URL, options: LinkCheckOptions): Promise<{ status: number; location?: string }> {
  return new Promise((resolve, reject) => {
    const literal = url.hostname.replace(/^\[|\]$/g, '');
    if (!options.allowInternal && isInternal(literal)) return reject(new BlockedAddress('private/reserved address'));
    const send = url.protocol === 'https:' ? httpsRequest : httpRequest;
    const req = send(url, {
      method: 'HEAD',
      headers: { 'User-Agent': 'mailsim link check' },
      timeout: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
      ...(!options.allowInternal && { lookup: guardedLookup }),
    });
    req.on('response', (res) => {
      res.resume();
      resolve({ status: res.statusCode ?? 0, ...(res.headers.location && { location: res.headers.location }) });
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', reject);
    req.end();
  });
}

async function checkOne(link: string, options: LinkCheckOptions): Promise<LinkStatus> {
  let url: URL;
  try {
    url = new URL(link);
  } catch {
    return { URL: link, StatusCode: 0, Status: 'invalid URL' };
  }
  try {
    for (let hop = 0; ; hop++) {
      const { status, location } = await head(url, options);
      const redirect = status >= 300 && status < 400 && location !== undefined;
      if (!redirect || !options.follow) return { URL: link, StatusCode: status, Status: STATUS_CODES[status] ?? '' };
      if (hop + 1 >= MAX_REDIRECTS) return { URL: link, StatusCode: 0, Status: 'too many redirects' };
      url = new URL(location, url);
      if (url.protocol !== 'http:' && url.protocol !== 'https:') return { URL: link, StatusCode: 0, Status: `blocked redirect to invalid URL: ${url.href}` };
    }
  } catch (error) {
    // Mailpit: a blocked internal address reads 451 "Blocked private/reserved address".
    if (error instanceof BlockedAddress) return { URL: link, StatusCode: 451, Status: 'Blocked private/reserved address' };
    return { URL: link, StatusCode: 0, Status: summary(error) };
  }
}

function summary(error: unknown): string {
  const { code, message } = error as { code?: string; message?: string };
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'no such host';
  if (code === 'ECONNREFUSED') return 'connection refused';
  if (message === 'timeout') return 'timeout';
  return message ?? String(error);
}

/** HEADs each link, a few at a time, each with a timeout; the order of `links` is kept. */
export async function checkLinks(links: string[], options: LinkCheckOptions): Promise<LinkCheckReport> {
  const results: LinkStatus[] = new Array(links.length);
  let next = 0;
  const worker = async () => {
    while (next < links.length) {
      const index = next++;
      results[index] = await checkOne(links[index]!, options);
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, links.length) }, worker));
  return { Errors: results.filter((l) => l.StatusCode === 0 || l.StatusCode >= 400).length, Links: results };
}

/** A message's links (HTML and text) checked. */
export async function checkMessageLinks(html: string, text: string, options: LinkCheckOptions): Promise<LinkCheckReport> {
  // htmlparser2 is loaded with the first link check (~40 ms of CPU), not with mailsim.
  const { extractLinks } = await import('./link-extract.js');
  return checkLinks(extractLinks(html, text), options);
}
