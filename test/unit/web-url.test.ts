import { describe, expect, it } from 'vitest';
import { webUrl } from '../../api/http/url';

describe('webUrl', () => {
  it('refuses what is not a URL with an issue, never an exception (found by schemathesis as a 500)', () => {
    for (const value of ['nope', "\u00df' not a url", '', 'https://']) {
      const parsed = webUrl.safeParse(value);
      expect(parsed.success, value).toBe(false);
    }
  });

  it('accepts http(s) links and refuses other schemes and links with credentials', () => {
    expect(webUrl.safeParse('https://ada.example/app').success).toBe(true);
    expect(webUrl.safeParse('http://ada.example').success).toBe(true);
    expect(webUrl.safeParse('ftp://ada.example').success).toBe(false);
    expect(webUrl.safeParse('javascript:alert(1)').success).toBe(false);
    const withPassword = webUrl.safeParse('https://ada:secret@ada.example/');
    expect(withPassword.success).toBe(false);
    expect(withPassword.error?.issues.map((i) => i.message)).toContain('must not carry a user name or password');
  });
});
