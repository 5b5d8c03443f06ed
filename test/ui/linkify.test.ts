import { describe, expect, it } from 'vitest';
import { isSafeHref, linkify } from '../../ui/src/lib/linkify.js';

describe('linkify (links in the text part)', () => {
  it('links http, https and mailto, and leaves sentence punctuation outside', () => {
    expect(linkify('Reset: https://shop.example/reset?t=1. Or mail mailto:help@shop.example, or see (http://x.example/a_(b)).')).toEqual([
      { text: 'Reset: ' },
      { text: 'https://shop.example/reset?t=1', href: 'https://shop.example/reset?t=1' },
      { text: '. Or mail ' },
      { text: 'mailto:help@shop.example', href: 'mailto:help@shop.example' },
      { text: ', or see (' },
      { text: 'http://x.example/a_(b)', href: 'http://x.example/a_(b)' },
      { text: ').' },
    ]);
  });

  it('never links other schemes', () => {
    for (const text of ['javascript:alert(1)', 'data:text/html,<b>x</b>', 'file:///etc/passwd', 'vbscript:x', 'ftp://x.example/']) {
      expect(linkify(text)).toEqual([{ text }]);
    }
    expect(isSafeHref('https://')).toBe(false);
    expect(isSafeHref('JAVASCRIPT:alert(1)')).toBe(false);
  });
});
