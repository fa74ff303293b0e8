import { Global, Module, type OnApplicationShutdown } from '@nestjs/common';
import { Inject } from '@nestjs/common';
import { AppConfig } from '../config/app-config.module';
import { LocalStorageDriver } from './local-storage.driver';
import { S3StorageDriver } from './s3-storage.driver';
import { STORAGE_DRIVER, type StorageDriver } from './storage.driver';
import { StorageService } from './storage.service';

/** The driver STORAGE_DRIVER names, from the validated configuration. */
export function storageDriverFor(config: AppConfig): StorageDriver {
  if (config.get('STORAGE_DRIVER', { infer: true }) === 's3') {
    return new S3StorageDriver({
      bucket: config.get('S3_BUCKET', { infer: true }),
      region: config.get('S3_REGION', { infer: true }),
      endpoint: config.get('S3_ENDPOINT', { infer: true }),
      accessKeyId: config.get('S3_ACCESS_KEY_ID', { infer: true }),
      secretAccessKey: config.get('S3_SECRET_ACCESS_KEY', { infer: true }),
      forcePathStyle: config.get('S3_FORCE_PATH_STYLE', { infer: true }),
    });
  }
  return new LocalStorageDriver(config.get('STORAGE_LOCAL_DIR', { infer: true }));
}

/**
 * StorageService for the whole app (global): imported by the modules that need it (attachments in
 * the API, attachment scans and retention in the worker); one instance per app.
 */
@Global()
@Module({
  providers: [{ provide: STORAGE_DRIVER, inject: [AppConfig], useFactory: storageDriverFor }, StorageService],
  exports: [StorageService],
})
export class StorageModule implements OnApplicationShutdown {
  constructor(@Inject(STORAGE_DRIVER) private readonly driver: StorageDriver) {}

  onApplicationShutdown(): void {
    if (this.driver instanceof S3StorageDriver) this.driver.destroy();
  }
}
