import { describe, expect, it } from 'vitest';
import { clientSettings, reachableHost } from '../../ui/src/lib/client-settings.js';

describe('first-run client settings', () => {
  it('follows the listener mode: STARTTLS and implicit TLS change each client’s switches', () => {
    const at = (Mode: 'plain' | 'starttls' | 'tls') => ({ Address: '127.0.0.1', Port: 2525, Mode });
    expect(clientSettings('swaks', at('plain'), 'localhost')).toBe('swaks --server 127.0.0.1:2525 --from app@example.com --to ann@example.org');
    expect(clientSettings('swaks', at('starttls'), 'localhost')).toMatch(/ --tls$/);
    expect(clientSettings('swaks', at('tls'), 'localhost')).toMatch(/ --tls-on-connect$/);
    expect(clientSettings('Django', at('starttls'), 'localhost')).toContain('EMAIL_USE_TLS = True\nEMAIL_USE_SSL = False');
    expect(clientSettings('Django', at('tls'), 'localhost')).toContain('EMAIL_USE_TLS = False\nEMAIL_USE_SSL = True');
    expect(clientSettings('nodemailer', at('tls'), 'localhost')).toContain('secure: true,');
    expect(clientSettings('Odoo', at('plain'), 'localhost')).toContain('smtp_ssl = False');
  });

  it('names a wildcard bind by the host the UI was opened on, and brackets IPv6 for swaks', () => {
    expect(reachableHost('0.0.0.0', 'mailsim.test')).toBe('mailsim.test');
    expect(reachableHost('::', '[::1]')).toBe('::1');
    expect(clientSettings('swaks', { Address: '::1', Port: 25, Mode: 'plain' }, 'x')).toContain('--server [::1]:25 ');
  });
});
