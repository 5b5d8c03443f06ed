import MailComposer from 'nodemailer/lib/mail-composer';

/** An address as nodemailer takes it: a name with commas or quotes needs no escaping here. */
export interface Addr {
  name: string;
  address: string;
}

/** A message to build, headers in order. */
export interface Draft {
  from: Addr;
  to: Addr[];
  cc?: Addr[] | undefined;
  subject: string;
  text?: string | undefined;
  html?: string | undefined;
  inReplyTo?: string | undefined;
  references?: string[] | undefined;
  headers: Array<[string, string]>;
  /** Envelope: the maildrops it lands in, and the reverse-path. */
  envelope: { from: string; to: string[] };
}

/**
 * RFC 5322 bytes from a draft with nodemailer's MailComposer (the library every Node app that
 * sends mail uses, so the MIME is what real senders write). File and URL access are off: a
 * request body must never make mailsim read a file or fetch a URL into a message.
 */
export async function compose(draft: Draft, messageId: string, date: Date): Promise<Buffer> {
  const composer = new MailComposer({
    from: draft.from,
    to: draft.to,
    cc: draft.cc,
    subject: draft.subject,
    text: draft.text,
    html: draft.html,
    inReplyTo: draft.inReplyTo,
    references: draft.references,
    messageId,
    date,
    headers: draft.headers.map(([key, value]) => ({ key, value })),
    disableFileAccess: true,
    disableUrlAccess: true,
    newline: 'windows',
  });
  return composer.compile().build();
}
