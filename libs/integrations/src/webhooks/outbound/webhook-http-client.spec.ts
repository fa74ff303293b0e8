import { postWebhook } from './webhook-http-client';

describe('postWebhook', () => {
  const request = (url: string, allowPrivateTargets = false) => ({
    url,
    headers: { 'content-type': 'application/json' },
    body: '{}',
    timeoutMs: 2_000,
    allowPrivateTargets,
  });

  it('refuses a host name that resolves to a loopback address, before connecting', async () => {
    const outcome = await postWebhook(request('https://localhost:1/hook'));
    expect(outcome.statusCode).toBeUndefined();
    expect(outcome.error).toMatch(/private address (127\.0\.0\.1|::1) \(localhost\)/);
  });

  it('refuses IP literals in private ranges, IPv4-mapped IPv6 included', async () => {
    for (const url of ['https://10.0.0.1/h', 'https://[::ffff:7f00:1]/h', 'https://[fe80::1]/h', 'https://0.0.0.0/h']) {
      expect((await postWebhook(request(url))).error).toMatch(/private address/);
    }
  });

  it('refuses http unless private targets are allowed', async () => {
    expect((await postWebhook(request('http://hooks.example.com/h'))).error).toMatch(/https is required/);
  });
});
