import { AppConfig } from '@itinera/platform';
import { startApi } from '../support/test-apps';

describe('configuration', () => {
  it("is each app's own: one app's overrides do not leak into the next app of the process", async () => {
    const before = process.env.LOGIN_MAX_FAILURES_PER_ACCOUNT;
    const first = await startApi({ LOGIN_MAX_FAILURES_PER_ACCOUNT: '2' });
    const second = await startApi();
    try {
      expect(first.get(AppConfig).get('LOGIN_MAX_FAILURES_PER_ACCOUNT', { infer: true })).toBe(2);
      expect(second.get(AppConfig).get('LOGIN_MAX_FAILURES_PER_ACCOUNT', { infer: true })).toBe(5);
      expect(process.env.LOGIN_MAX_FAILURES_PER_ACCOUNT).toBe(before);
    } finally {
      await first.close();
      await second.close();
    }
  });
});
