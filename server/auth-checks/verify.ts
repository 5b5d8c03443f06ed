import { authenticate, spf, type DNSResolver } from 'mailauth';
import type { AuthVerdict, DkimSignatureVerdict, MessageAuth } from '../protocol.js';
import type { DnsRecords } from '../faults/dns-schema.js';
import { headerMap } from '../util/headers.js';
import { bestPractice } from './best-practice.js';
import { declaredResolver, type Fallback } from './declared-resolver.js';

/** What one check needs: the message as received and the identities of its SMTP transaction. */
export interface AuthCheckInput {
  raw: Uint8Array;
  /** MAIL FROM ('' for the null sender). */
  sender: string;
  recipients: number;
  clientIp: string;
  helo: string;
  /** Our name in Authentication-Results (the persona's hostname). */
  hostname: string;
  dns: DnsRecords;
}

/** The loose shapes of mailauth's results this file reads (its typings are partial). */
interface Status {
  result?: string;
  comment?: string;
  aligned?: string | false;
}
interface Row {
  status?: Status;
  info?: string;
}
interface DkimRow extends Row {
  signingDomain?: string;
  selector?: string;
  algo?: string;
}

/**
 * mailauth reports a body hash mismatch as `neutral`; RFC 6376 §6.1.3 makes it a PERMFAIL
 * ("body hash did not verify"), which RFC 8601 §2.7.1 reports as `fail`: the signature was
 * checked and the message was changed after signing. Gmail's and Outlook's checks see it so.
 */
function dkimResult(status: Status | undefined): string {
  const result = status?.result ?? 'none';
  return result === 'neutral' && /body hash did not verify/i.test(status?.comment ?? '') ? 'fail' : result;
}

const verdict = (row: Row | false | undefined, result = row ? (row.status?.result ?? 'none') : 'none'): AuthVerdict => ({
  Result: result,
  Reason: (row && row.status?.comment) || '',
  Info: (row && row.info) || '',
});

function dkimVerdicts(rows: DkimRow[]): MessageAuth['DKIM'] {
  const signatures: DkimSignatureVerdict[] = rows
    .filter((row) => row.signingDomain)
    .map((row) => ({
      ...verdict(row, dkimResult(row.status)),
      Domain: row.signingDomain ?? '',
      Selector: row.selector ?? '',
      Algorithm: row.algo ?? '',
      AlignedWith: row.status?.aligned || '',
    }));
  if (!signatures.length) return { Result: 'none', Reason: 'message not signed', Info: 'dkim=none (message not signed)', Signatures: [] };
  // RFC 7489 §4.2: one passing signature authenticates the message; otherwise the first failure says why.
  const best = signatures.find((s) => s.Result === 'pass') ?? signatures.find((s) => s.Result === 'fail') ?? signatures[0]!;
  return { Result: best.Result, Reason: best.Reason, Info: best.Info, Signatures: signatures };
}

/** RFC 7208 §2.3: the HELO identity is checked on its own; an address literal has no SPF record. */
async function heloSpf(input: AuthCheckInput, resolver: DNSResolver): Promise<MessageAuth['HeloSPF']> {
  const helo = input.helo.replace(/\.$/, '');
  if (!helo || /^\[.*\]$/.test(helo) || /^[\d.]+$|:/.test(helo)) {
    return { Result: 'none', Reason: helo ? 'the HELO name is an address literal' : 'no HELO name', Info: '', Domain: helo };
  }
  const result = (await spf({ sender: `postmaster@${helo}`, ip: input.clientIp, helo, mta: input.hostname, resolver })) as unknown as Row & { domain?: string };
  return { ...verdict(result), Domain: result.domain ?? helo };
}

/**
 * DKIM (RFC 6376), SPF for MAIL FROM and HELO (RFC 7208), DMARC (RFC 7489) and ARC (RFC 8617)
 * by mailauth, against the declared records. BIMI is left out: it fetches logos and
 * certificates over HTTPS. Runs on the auth thread (auth-thread.ts): mailauth hashes the body
 * on the thread that calls it, 2 s for 20 MiB.
 */
export async function verifyMessage(input: AuthCheckInput, fallback?: Fallback): Promise<Omit<MessageAuth, 'ID'>> {
  const { resolve, lookups } = declaredResolver(input.dns, fallback);
  const resolver = resolve as DNSResolver;
  const raw = Buffer.from(input.raw.buffer, input.raw.byteOffset, input.raw.byteLength);
  const result = await authenticate(raw, {
    sender: input.sender || undefined,
    ip: input.clientIp,
    helo: input.helo || undefined,
    mta: input.hostname,
    resolver,
    disableBimi: true,
  } as Parameters<typeof authenticate>[1]);
  const spfRow = result.spf as unknown as (Row & { domain?: string }) | false;
  const dmarc = result.dmarc as unknown as (Row & { domain?: string; policy?: string; alignment?: { spf?: { result?: string | false }; dkim?: { result?: string | false } } }) | false;
  const headerFrom = (result.dkim as unknown as { headerFrom?: string[] }).headerFrom;
  const dmarcVerdict: MessageAuth['DMARC'] = dmarc
    ? { ...verdict(dmarc), Domain: dmarc.domain ?? '', Policy: dmarc.policy ?? '', SPFAligned: dmarc.alignment?.spf?.result || '', DKIMAligned: dmarc.alignment?.dkim?.result || '' }
    : { Result: 'none', Reason: headerFrom?.length ? 'not checked' : 'no From header', Info: '', Domain: '', Policy: '', SPFAligned: '', DKIMAligned: '' };
  return {
    Checked: new Date().toISOString(),
    Envelope: { Sender: input.sender, ClientIP: input.clientIp, Helo: input.helo },
    DKIM: dkimVerdicts(((result.dkim as unknown as { results?: DkimRow[] }).results ?? [])),
    SPF: { ...verdict(spfRow), Domain: (spfRow && spfRow.domain) || '' },
    HeloSPF: await heloSpf(input, resolver),
    DMARC: dmarcVerdict,
    ARC: verdict(result.arc as unknown as Row | false),
    AuthenticationResults: authenticationResults(result.headers),
    BestPractice: bestPractice(headerMap(raw), { sender: input.sender, recipients: input.recipients }),
    DNS: lookups,
    NetworkLookups: fallback !== undefined,
  };
}

/** mailauth gives Received-SPF and Authentication-Results together; the second is the report. */
function authenticationResults(headers: string): string {
  const at = headers.indexOf('Authentication-Results:');
  return at < 0 ? '' : headers.slice(at).trim();
}
