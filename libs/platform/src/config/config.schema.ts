import Joi from 'joi';

/**
 * Every environment variable Itinera reads, validated at start: a bad or missing value stops the
 * process with the variable named. `.env.example` documents each one; keep the two in step.
 */
export interface AppEnvironment {
  NODE_ENV: 'development' | 'production' | 'test';
  HOST: string;
  PORT: number;
  WORKER_PORT: number;
  DATABASE_URL: string;
  DIRECT_DATABASE_URL?: string;
  DATABASE_POOL_SIZE: number;
  DATABASE_STARTUP_TIMEOUT_MS: number;
  DATABASE_STATEMENT_TIMEOUT_MS: number;
  DATABASE_SLOW_QUERY_MS: number;
  REDIS_URL: string;
  QUEUE_PREFIX: string;
  OUTBOX_POLL_INTERVAL_MS: number;
  OUTBOX_BATCH_SIZE: number;
  OUTBOX_RETENTION_HOURS: number;
  LOG_LEVEL: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  LOG_PRETTY: boolean;
  CORS_ORIGINS: string;
  BODY_LIMIT_BYTES: number;
  RATE_LIMIT_TTL_SECONDS: number;
  RATE_LIMIT_MAX: number;
  TRUST_PROXY: boolean;
  SHUTDOWN_GRACE_MS: number;
  JWT_SECRET: string;
  JWT_ISSUER: string;
  ACCESS_TOKEN_TTL_SECONDS: number;
  SESSION_TTL_DAYS: number;
  PRINCIPAL_CACHE_TTL_MS: number;
  PASSWORD_SCRYPT_LOG_N: number;
  ENCRYPTION_KEYS: string;
  LOGIN_MAX_FAILURES_PER_ACCOUNT: number;
  LOGIN_MAX_FAILURES_PER_IP: number;
  LOGIN_LOCKOUT_SECONDS: number;
  AUTH_RATE_LIMIT_MAX: number;
  OIDC_ISSUER?: string;
  OIDC_JWKS_URL?: string;
  OIDC_AUDIENCE?: string;
}

/**
 * Local-development defaults of the secrets. They are public (this file), so production refuses
 * to start with them: NODE_ENV=production requires real values.
 */
const DEV_JWT_SECRET = 'itinera-local-development-jwt-secret-not-for-production';
const DEV_ENCRYPTION_KEYS = 'dev1:aXRpbmVyYS1sb2NhbC1kZXZlbG9wbWVudC1rZXktMzI=';
const inProduction = <S extends Joi.Schema>(schema: S, devDefault: string): S =>
  schema.when('NODE_ENV', {
    is: 'production',
    then: Joi.required().invalid(devDefault),
    otherwise: Joi.optional().default(devDefault),
  }) as S;

const postgresUrl = Joi.string().uri({ scheme: ['postgres', 'postgresql'] });

export const configSchema = Joi.object<AppEnvironment, true>({
  NODE_ENV: Joi.string().valid('development', 'production', 'test').default('development'),
  HOST: Joi.string().hostname().default('127.0.0.1'),
  PORT: Joi.number().port().default(3000),
  WORKER_PORT: Joi.number().port().default(3001),
  DATABASE_URL: postgresUrl.required(),
  DIRECT_DATABASE_URL: postgresUrl.optional(),
  DATABASE_POOL_SIZE: Joi.number().integer().min(1).max(200).default(10),
  DATABASE_STARTUP_TIMEOUT_MS: Joi.number().integer().min(0).max(600_000).default(30_000),
  DATABASE_STATEMENT_TIMEOUT_MS: Joi.number().integer().min(0).max(3_600_000).default(30_000),
  DATABASE_SLOW_QUERY_MS: Joi.number().integer().min(0).default(200),
  REDIS_URL: Joi.string()
    .uri({ scheme: ['redis', 'rediss'] })
    .required(),
  QUEUE_PREFIX: Joi.string()
    .pattern(/^[A-Za-z0-9:{}_-]{1,64}$/)
    .default('itinera'),
  OUTBOX_POLL_INTERVAL_MS: Joi.number().integer().min(10).max(60_000).default(1_000),
  OUTBOX_BATCH_SIZE: Joi.number().integer().min(1).max(5_000).default(500),
  OUTBOX_RETENTION_HOURS: Joi.number()
    .min(0)
    .max(24 * 365)
    .default(24),
  LOG_LEVEL: Joi.string().valid('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info'),
  LOG_PRETTY: Joi.boolean().default(false),
  CORS_ORIGINS: Joi.string().allow('').default(''),
  BODY_LIMIT_BYTES: Joi.number().integer().min(1_024).max(1_073_741_824).default(1_048_576),
  RATE_LIMIT_TTL_SECONDS: Joi.number().integer().min(1).max(86_400).default(60),
  RATE_LIMIT_MAX: Joi.number().integer().min(1).default(600),
  TRUST_PROXY: Joi.boolean().default(false),
  SHUTDOWN_GRACE_MS: Joi.number().integer().min(0).max(60_000).default(8_000),
  JWT_SECRET: inProduction(Joi.string().min(32), DEV_JWT_SECRET),
  JWT_ISSUER: Joi.string().default('itinera'),
  ACCESS_TOKEN_TTL_SECONDS: Joi.number().integer().min(60).max(3_600).default(900),
  SESSION_TTL_DAYS: Joi.number().integer().min(1).max(365).default(30),
  PRINCIPAL_CACHE_TTL_MS: Joi.number().integer().min(0).max(60_000).default(5_000),
  PASSWORD_SCRYPT_LOG_N: Joi.number().integer().min(14).max(20).default(15),
  ENCRYPTION_KEYS: inProduction(
    Joi.string().pattern(/^[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=(,[A-Za-z0-9_-]{1,32}:[A-Za-z0-9+/]{43}=)*$/),
    DEV_ENCRYPTION_KEYS,
  ).messages({ 'string.pattern.base': '"ENCRYPTION_KEYS" must be id:base64-of-32-bytes[,id:key...] (newest last)' }),
  LOGIN_MAX_FAILURES_PER_ACCOUNT: Joi.number().integer().min(1).max(1_000).default(5),
  LOGIN_MAX_FAILURES_PER_IP: Joi.number().integer().min(1).max(100_000).default(30),
  LOGIN_LOCKOUT_SECONDS: Joi.number().integer().min(1).max(86_400).default(900),
  AUTH_RATE_LIMIT_MAX: Joi.number().integer().min(1).default(60),
  OIDC_ISSUER: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .optional(),
  OIDC_JWKS_URL: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .when('OIDC_ISSUER', { is: Joi.exist(), then: Joi.required() }),
  OIDC_AUDIENCE: Joi.string().optional(),
});

/**
 * Validates the environment for ConfigModule. Joi's messages already quote the variable
 * ("\"REDIS_URL\" is required"); they are joined so that every bad variable shows at once.
 */
export function validateEnvironment(env: Record<string, unknown>): AppEnvironment {
  const { value, error } = configSchema.validate(env, {
    abortEarly: false,
    allowUnknown: true,
    convert: true,
  });
  if (error) {
    const problems = error.details.map((d) => `  - ${d.message}`).join('\n');
    throw new Error(`Invalid configuration (see .env.example):\n${problems}`);
  }
  return value;
}

/**
 * For entry points, before Nest starts: reads `.env` (values already in the environment win) and
 * validates, so a bad value stops the process before anything connects anywhere.
 */
export function loadEnvironment(): AppEnvironment {
  try {
    process.loadEnvFile('.env');
  } catch {
    // No .env file: the environment alone is the configuration.
  }
  return validateEnvironment(process.env);
}
