import { isRetryableTransactionError, retryDelayMs } from './transaction-retry';

describe('isRetryableTransactionError', () => {
  it.each([
    [{ code: 'P2034' }],
    [{ code: 'P2010', meta: { code: '40001' } }],
    [{ code: 'P2010', meta: { driverAdapterError: { cause: { originalCode: '40P01' } } } }],
    [{ code: '40P01', severity: 'ERROR' }],
  ])('retries %j', (error) => expect(isRetryableTransactionError(error)).toBe(true));

  it.each([[{ code: 'P2002' }], [{ code: '23505' }], [new Error('x')], [null], ['40001']])(
    'does not retry %j',
    (error) => expect(isRetryableTransactionError(error)).toBe(false),
  );
});

describe('retryDelayMs', () => {
  it('stays within the exponential cap', () => {
    for (let attempt = 1; attempt < 12; attempt++) {
      const delay = retryDelayMs(attempt, 20, 1_000);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(Math.min(1_000, 20 * 2 ** (attempt - 1)));
    }
  });
});
