import { DynamicModule, Global, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import type { AppEnvironment } from './config.schema';
import { KeyRing } from '../crypto/key-ring';

/** Typed access to the validated environment: `config.get('PORT', { infer: true })`. */
export class AppConfig extends ConfigService<AppEnvironment, true> {}

/**
 * Configuration for the app being built. The entry point validates the environment first
 * (`loadEnvironment`, which stops the process naming a bad variable) and passes the result here,
 * so that nothing is read from `process.env` at import time and tests can start apps with other values.
 */
@Global()
@Module({})
export class AppConfigModule {
  static forRoot(env: AppEnvironment): DynamicModule {
    return {
      module: AppConfigModule,
      imports: [
        // `load`, not `validate`: @nestjs/config copies validated values into process.env, which
        // would leak one app's settings into the next created in the same process (tests).
        // skipProcessEnv: values come from `env` alone, never from process.env.
        ConfigModule.forRoot({
          ignoreEnvFile: true,
          ignoreEnvVars: true,
          skipProcessEnv: true,
          load: [() => env],
        }),
      ],
      providers: [{ provide: AppConfig, useExisting: ConfigService }, KeyRing],
      exports: [AppConfig, KeyRing],
    };
  }
}
