import { redactUrl } from './logging.module';

describe('redactUrl', () => {
  it('masks secret path segments and query parameters named like secrets', () => {
    expect(redactUrl('/r/ABCDEF234567/complete')).toBe('/r/[redacted]/complete');
    expect(redactUrl('/admin/outbox?access_token=abc.def&limit=5')).toBe(
      '/admin/outbox?access_token=[redacted]&limit=5',
    );
    expect(redactUrl('/x?apiKey=itk_1&Password=hunter2&mfaCode=123456')).toBe(
      '/x?apiKey=[redacted]&Password=[redacted]&mfaCode=[redacted]',
    );
    expect(redactUrl('/audit-events?action=auth.login&limit=5')).toBe('/audit-events?action=auth.login&limit=5');
  });
});
