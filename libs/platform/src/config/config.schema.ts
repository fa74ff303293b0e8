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
  PUBLIC_BASE_URL: string;
  WORKFLOW_TTL_HOURS: number;
  WORKFLOW_MAX_RECIPIENTS: number;
  WORKFLOW_METADATA_MAX_BYTES: number;
  WORKFLOW_RETENTION_DAYS: number;
  WORKFLOW_EXPIRY_BATCH_SIZE: number;
  LINK_RATE_LIMIT_MAX: number;
  RECIPIENT_CODE_TTL_MINUTES: number;
  RECIPIENT_CODE_MAX_ATTEMPTS: number;
  RECIPIENT_VERIFICATION_TTL_MINUTES: number;
  REMINDER_AFTER_HOURS: number;
  REMINDER_EVERY_HOURS: number;
  REMINDER_MAX: number;
  ATTACHMENT_MAX_BYTES: number;
  ATTACHMENT_ALLOWED_TYPES: string;
  STORAGE_DRIVER: 'local' | 's3';
  STORAGE_LOCAL_DIR: string;
  S3_BUCKET: string;
  S3_ENDPOINT?: string;
  S3_REGION: string;
  S3_ACCESS_KEY_ID?: string;
  S3_SECRET_ACCESS_KEY?: string;
  S3_FORCE_PATH_STYLE: boolean;
  CLAMAV_HOST?: string;
  CLAMAV_PORT: number;
  NOTIFY_TRANSPORT: 'log' | 'file' | 'smtp';
  NOTIFY_FILE_PATH: string;
  SMTP_URL?: string;
  SMTP_FROM: string;
  SMS_WEBHOOK_URL?: string;
  NOTIFY_SEND_ATTEMPTS: number;
  WEBHOOK_TIMEOUT_MS: number;
  WEBHOOK_MAX_ATTEMPTS: number;
  WEBHOOK_DISABLE_AFTER_FAILURES: number;
  WEBHOOK_ALLOW_PRIVATE_TARGETS: boolean;
  IDEMPOTENCY_TTL_HOURS: number;
  IDENTITY_HASH_KEY: string;
  IDENTITY_CHALLENGE_TTL_MINUTES: number;
  IDENTITY_CHALLENGE_MAX_ATTEMPTS: number;
  IDENTITY_CHALLENGE_COOLDOWN_MINUTES: number;
  CONSENT_MAX_DAYS: number;
  PATIENT_EXPORT_PAGE_SIZE: number;
  ANALYSIS_ATTEMPTS: number;
  ANALYSIS_BACKOFF_MS: number;
  ANALYSIS_TIMEOUT_MS: number;
  ANALYSIS_CONCURRENCY: number;
  ANALYSIS_BATCH_MAX_ITEMS: number;
  ANALYSIS_LOCK_MS: number;
  ANALYSIS_STALLED_CHECK_MS: number;
  ANALYSIS_VITAL_THRESHOLDS?: string;
  ANALYSIS_TREND_READINGS: number;
  MODEL_PROVIDER_BASE_URL?: string;
  MODEL_PROVIDER_API_KEY?: string;
  MODEL_PROVIDER_MODEL: string;
  MODEL_PROVIDER_TIMEOUT_MS: number;
  MODEL_PROVIDER_MAX_OUTPUT_TOKENS: number;
  MODEL_PROVIDER_ESTIMATED_INPUT_TOKENS: number;
  MODEL_PRICE_INPUT_PER_1K: number;
  MODEL_PRICE_OUTPUT_PER_1K: number;
}

/**
 * Local-development defaults of the secrets. They are public (this file), so production refuses
 * to start with them: NODE_ENV=production requires real values.
 */
const DEV_JWT_SECRET = 'itinera-local-development-jwt-secret-not-for-production';
const DEV_ENCRYPTION_KEYS = 'dev1:aXRpbmVyYS1sb2NhbC1kZXZlbG9wbWVudC1rZXktMzI=';
const DEV_IDENTITY_HASH_KEY = 'aXRpbmVyYS1sb2NhbC1pZGVudGl0eS1oYXNoLWtleS0=';
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
  PUBLIC_BASE_URL: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .default('http://127.0.0.1:3000'),
  WORKFLOW_TTL_HOURS: Joi.number()
    .min(0.01)
    .max(24 * 365)
    .default(48),
  WORKFLOW_MAX_RECIPIENTS: Joi.number().integer().min(1).max(100).default(20),
  WORKFLOW_METADATA_MAX_BYTES: Joi.number().integer().min(2).max(1_048_576).default(16_384),
  WORKFLOW_RETENTION_DAYS: Joi.number().min(0).max(36_500).default(365),
  WORKFLOW_EXPIRY_BATCH_SIZE: Joi.number().integer().min(1).max(100_000).default(5_000),
  LINK_RATE_LIMIT_MAX: Joi.number().integer().min(1).default(120),
  RECIPIENT_CODE_TTL_MINUTES: Joi.number().min(1).max(1_440).default(10),
  RECIPIENT_CODE_MAX_ATTEMPTS: Joi.number().integer().min(1).max(20).default(5),
  RECIPIENT_VERIFICATION_TTL_MINUTES: Joi.number().min(1).max(1_440).default(60),
  REMINDER_AFTER_HOURS: Joi.number()
    .min(0)
    .max(24 * 365)
    .default(24),
  REMINDER_EVERY_HOURS: Joi.number()
    .min(0.01)
    .max(24 * 365)
    .default(24),
  REMINDER_MAX: Joi.number().integer().min(0).max(100).default(3),
  ATTACHMENT_MAX_BYTES: Joi.number().integer().min(1).max(1_073_741_824).default(10_485_760),
  ATTACHMENT_ALLOWED_TYPES: Joi.string()
    .pattern(/^[a-z0-9.+-]+\/[a-z0-9.+-]+(,[a-z0-9.+-]+\/[a-z0-9.+-]+)*$/)
    .default('application/pdf,image/png,image/jpeg,text/plain'),
  STORAGE_DRIVER: Joi.string().valid('local', 's3').default('local'),
  STORAGE_LOCAL_DIR: Joi.string().default('.data/storage'),
  S3_BUCKET: Joi.string().default('itinera-attachments'),
  S3_ENDPOINT: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .optional(),
  S3_REGION: Joi.string().default('us-east-1'),
  S3_ACCESS_KEY_ID: Joi.string().optional(),
  S3_SECRET_ACCESS_KEY: Joi.string().optional(),
  S3_FORCE_PATH_STYLE: Joi.boolean().default(true),
  CLAMAV_HOST: Joi.string().hostname().optional(),
  CLAMAV_PORT: Joi.number().port().default(3310),
  NOTIFY_TRANSPORT: Joi.string().valid('log', 'file', 'smtp').default('log'),
  NOTIFY_FILE_PATH: Joi.string().default('.data/notifications.ndjson'),
  SMTP_URL: Joi.string()
    .uri({ scheme: ['smtp', 'smtps'] })
    .when('NOTIFY_TRANSPORT', { is: 'smtp', then: Joi.required() }),
  SMTP_FROM: Joi.string().default('Itinera <no-reply@itinera.local>'),
  SMS_WEBHOOK_URL: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .optional(),
  NOTIFY_SEND_ATTEMPTS: Joi.number().integer().min(1).max(20).default(6),
  WEBHOOK_TIMEOUT_MS: Joi.number().integer().min(100).max(60_000).default(5_000),
  WEBHOOK_MAX_ATTEMPTS: Joi.number().integer().min(1).max(30).default(8),
  WEBHOOK_DISABLE_AFTER_FAILURES: Joi.number().integer().min(1).max(10_000).default(20),
  WEBHOOK_ALLOW_PRIVATE_TARGETS: Joi.boolean().default(false),
  IDEMPOTENCY_TTL_HOURS: Joi.number()
    .min(0.01)
    .max(24 * 30)
    .default(24),
  IDENTITY_HASH_KEY: inProduction(Joi.string().pattern(/^[A-Za-z0-9+/]{43}=$/), DEV_IDENTITY_HASH_KEY).messages({
    'string.pattern.base': '"IDENTITY_HASH_KEY" must be the base64 of 32 bytes',
  }),
  IDENTITY_CHALLENGE_TTL_MINUTES: Joi.number().min(1).max(1_440).default(15),
  IDENTITY_CHALLENGE_MAX_ATTEMPTS: Joi.number().integer().min(1).max(20).default(3),
  IDENTITY_CHALLENGE_COOLDOWN_MINUTES: Joi.number().min(0).max(10_080).default(30),
  CONSENT_MAX_DAYS: Joi.number().integer().min(1).max(3_650).default(365),
  PATIENT_EXPORT_PAGE_SIZE: Joi.number().integer().min(1).max(5_000).default(500),
  ANALYSIS_ATTEMPTS: Joi.number().integer().min(1).max(20).default(3),
  ANALYSIS_BACKOFF_MS: Joi.number().integer().min(10).max(3_600_000).default(2_000),
  ANALYSIS_TIMEOUT_MS: Joi.number().integer().min(100).max(3_600_000).default(120_000),
  // Jobs in flight share their statements (batched per tenant), so more in flight costs little.
  ANALYSIS_CONCURRENCY: Joi.number().integer().min(1).max(200).default(50),
  ANALYSIS_BATCH_MAX_ITEMS: Joi.number().integer().min(1).max(1_000).default(100),
  ANALYSIS_LOCK_MS: Joi.number().integer().min(1_000).max(600_000).default(30_000),
  ANALYSIS_STALLED_CHECK_MS: Joi.number().integer().min(500).max(600_000).default(5_000),
  ANALYSIS_VITAL_THRESHOLDS: Joi.string().optional(),
  ANALYSIS_TREND_READINGS: Joi.number().integer().min(2).max(50).default(3),
  MODEL_PROVIDER_BASE_URL: Joi.string()
    .uri({ scheme: ['http', 'https'] })
    .optional(),
  MODEL_PROVIDER_API_KEY: Joi.string().optional(),
  MODEL_PROVIDER_MODEL: Joi.string().max(100).default('gpt-4o-mini'),
  MODEL_PROVIDER_TIMEOUT_MS: Joi.number().integer().min(100).max(600_000).default(60_000),
  MODEL_PROVIDER_MAX_OUTPUT_TOKENS: Joi.number().integer().min(1).max(100_000).default(1_000),
  MODEL_PROVIDER_ESTIMATED_INPUT_TOKENS: Joi.number().integer().min(1).max(1_000_000).default(4_000),
  MODEL_PRICE_INPUT_PER_1K: Joi.number().min(0).default(0.00015),
  MODEL_PRICE_OUTPUT_PER_1K: Joi.number().min(0).default(0.0006),
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
