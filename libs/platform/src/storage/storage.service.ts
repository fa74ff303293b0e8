import { Inject, Injectable } from '@nestjs/common';
import type { Readable } from 'node:stream';
import { assertValidStorageKey } from './storage-key';
import { STORAGE_DRIVER, type StorageDriver, type StoragePutOptions } from './storage.driver';

/**
 * The platform's object storage, over the driver STORAGE_DRIVER selects (`local` files under
 * STORAGE_LOCAL_DIR, or `s3`). Keys are made by code (`<tenantId>/<sessionId>/<attachmentId>`) and
 * checked here before any driver sees them.
 */
@Injectable()
export class StorageService {
  constructor(@Inject(STORAGE_DRIVER) private readonly driver: StorageDriver) {}

  /** The bucket recorded beside each key (S3_BUCKET, or `local`). */
  get bucket(): string {
    return this.driver.bucket;
  }

  /** Writes the stream under `key`; on failure nothing is left under the key. */
  async put(key: string, body: Readable, options: StoragePutOptions): Promise<void> {
    assertValidStorageKey(key);
    return await this.driver.put(key, body, options);
  }

  /** The object's bytes; StorageObjectNotFoundError when there is none. */
  async get(key: string): Promise<Readable> {
    assertValidStorageKey(key);
    return await this.driver.get(key);
  }

  /** Removes the object; idempotent. */
  async delete(key: string): Promise<void> {
    assertValidStorageKey(key);
    return await this.driver.delete(key);
  }

  async exists(key: string): Promise<boolean> {
    assertValidStorageKey(key);
    return await this.driver.exists(key);
  }
}
