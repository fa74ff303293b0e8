import { Global, Module } from '@nestjs/common';
import { ConfigModule, ConfigService } from '@nestjs/config';
import { validateEnvironment, type AppEnvironment } from './config.schema';

/** Typed access to the validated environment: `config.get('PORT', { infer: true })`. */
export class AppConfig extends ConfigService<AppEnvironment, true> {}

@Global()
@Module({
  imports: [ConfigModule.forRoot({ cache: true, validate: validateEnvironment, expandVariables: true })],
  providers: [{ provide: AppConfig, useExisting: ConfigService }],
  exports: [AppConfig],
})
export class AppConfigModule {}
