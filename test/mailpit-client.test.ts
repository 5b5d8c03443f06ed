import { MailpitClient } from 'mailpit-api';
import { describe, expect, it } from 'vitest';
import { useMailpitSim } from './helpers/mailpit-sim.js';
import type { SendOptions, Transporter } from './helpers/sim.js';

let mailpit: MailpitClient;
let transport: Transporter;

useMailpitSim((env) => ({ mailpit, transport } = env));

async function send(subject: string, extra: Partial<SendOptions> = {}) {
  return transport.sendMail({ from: 'App <app@example.com>', to: 'user@example.org', subject, text: `Body of ${subject}`, ...extra });
}

describe('the mailpit-api npm client against mailsim', () => {
  it('lists, pages and reads messages', async () => {
    for (const n of [1, 2, 3]) await send(`message ${n}`);
    const page = await mailpit.listMessages(1, 1);
    expect(page).toMatchObject({ total: 3, unread: 3, count: 1, messages_count: 3, start: 1 });
    expect(page.messages[0]!.Subject).toBe('message 2');

    const summary = await mailpit.getMessageSummary();
    expect(summary.Subject).toBe('message 3');
    expect(summary.Text.trim()).toBe('Body of message 3');
    expect((await mailpit.getInfo()).Unread).toBe(2);

    expect(await mailpit.getMessageSource(summary.ID)).toContain('Subject: message 3');
    const headers = await mailpit.getMessageHeaders(summary.ID);
    expect(headers.Subject).toEqual(['message 3']);
    expect(headers['Message-Id']?.[0]).toMatch(/^<.+>$/);
    expect((await mailpit.renderMessageText(summary.ID)).trim()).toBe('Body of message 3');
  });

  it('searches and deletes by search', async () => {
    await send('invoice 1001', { to: 'billing@example.org' });
    await send('welcome', { attachments: [{ filename: 'guide.pdf', content: 'pdf' }] });
    await send('invoice 1002');
    expect((await mailpit.searchMessages({ query: 'subject:invoice' })).messages_count).toBe(2);
    expect((await mailpit.searchMessages({ query: 'to:billing subject:invoice' })).messages.map((m) => m.Subject)).toEqual(['invoice 1001']);
    expect((await mailpit.searchMessages({ query: 'has:attachment' })).messages[0]!.Attachments).toBe(1);
    expect((await mailpit.searchMessages({ query: '-subject:invoice' })).messages_count).toBe(1);

    await mailpit.deleteMessagesBySearch({ query: 'invoice' });
    expect((await mailpit.listMessages()).messages.map((m) => m.Subject)).toEqual(['welcome']);
  });

  it('fetches attachments by part and renders HTML', async () => {
    await send('with parts', { html: '<h1>Hi</h1>', attachments: [{ filename: 'data.json', content: '{"a":1}', contentType: 'application/json' }] });
    const message = await mailpit.getMessageSummary();
    const attachment = message.Attachments[0]!;
    const blob = await mailpit.getMessageAttachment(message.ID, attachment.PartID);
    expect(await blob.text()).toBe('{"a":1}');
    expect(attachment.Checksums.SHA256).toHaveLength(64);
    expect(await mailpit.renderMessageHTML(message.ID)).toBe('<h1>Hi</h1>');
  });

  it('sets read status and deletes by ID or everything', async () => {
    await send('a');
    await send('b');
    const { messages } = await mailpit.listMessages();
    await mailpit.setReadStatus({ IDs: [messages[0]!.ID], Read: true });
    expect((await mailpit.searchMessages({ query: 'is:read' })).messages.map((m) => m.Subject)).toEqual(['b']);
    await mailpit.setReadStatus({ Read: true });
    expect((await mailpit.getInfo()).Unread).toBe(0);
    await mailpit.setReadStatus({ Search: 'subject:a', Read: false });
    expect((await mailpit.searchMessages({ query: 'is:unread' })).messages.map((m) => m.Subject)).toEqual(['a']);

    await mailpit.deleteMessages({ IDs: [messages[0]!.ID] });
    expect((await mailpit.listMessages()).total).toBe(1);
    await mailpit.deleteMessages();
    expect((await mailpit.listMessages()).total).toBe(0);
  });

  it('waits for a message with the client\'s own polling helper', async () => {
    const waiting = mailpit.waitForMessage({ query: 'subject:"late arrival"' }, { timeout: 5_000, interval: 50 });
    await send('late arrival');
    expect((await waiting).Subject).toBe('late arrival');
  });

  it('surfaces our errors through the client', async () => {
    await expect(mailpit.getMessageSummary('does-not-exist')).rejects.toThrow(/404 Not Found .*message does-not-exist not found/);
    await expect(mailpit.searchMessages({ query: ' ' })).rejects.toThrow(/400 Bad Request .*a search query is required/);
  });
});
