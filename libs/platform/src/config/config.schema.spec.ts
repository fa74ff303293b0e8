import { validateEnvironment } from './config.schema';

const valid = { DATABASE_URL: 'postgresql://u:p@localhost:5432/db', REDIS_URL: 'redis://localhost:6379' };

describe('validateEnvironment', () => {
  it('applies defaults and converts types', () => {
    const env = validateEnvironment({ ...valid, PORT: '8080', LOG_PRETTY: 'true' });
    expect(env).toMatchObject({ PORT: 8080, LOG_PRETTY: true, DATABASE_POOL_SIZE: 10, QUEUE_PREFIX: 'itinera' });
  });

  it('names every missing or bad variable at once', () => {
    expect(() => validateEnvironment({ PORT: 'eighty', REDIS_URL: 'http://x' })).toThrow(
      /"DATABASE_URL" is required[\s\S]*"PORT" must be a number|"PORT" must be a number[\s\S]*"DATABASE_URL" is required/,
    );
    try {
      validateEnvironment({ PORT: 'eighty', REDIS_URL: 'http://x' });
    } catch (error) {
      const message = (error as Error).message;
      for (const variable of ['DATABASE_URL', 'PORT', 'REDIS_URL']) expect(message).toContain(`"${variable}"`);
    }
  });

  it('refuses a database URL that is not PostgreSQL', () => {
    expect(() => validateEnvironment({ ...valid, DATABASE_URL: 'mysql://localhost/db' })).toThrow(/"DATABASE_URL"/);
  });
});
