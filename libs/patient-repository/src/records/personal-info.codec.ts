import { Injectable } from '@nestjs/common';
import { AppConfig } from '@itinera/platform';
import { personalInfoAad, RecordCipher } from './record-cipher';
import { identityHash } from './identity-hash';
import type { PersonalInfo } from './dto/personal-info.dto';

/** What patient_repositories stores for a person: the ciphertext, its key id and the identity hash. */
export interface SealedPersonalInfo {
  ciphertext: string;
  keyId: string;
  identityHash: Buffer;
}

/**
 * Personal information in and out of its stored form: sealed under the newest key and bound to
 * the repository id, with its identity hash (HMAC under IDENTITY_HASH_KEY).
 */
@Injectable()
export class PersonalInfoCodec {
  private readonly hashKey: Buffer;

  constructor(
    private readonly cipher: RecordCipher,
    config: AppConfig,
  ) {
    const key: string = config.get('IDENTITY_HASH_KEY', { infer: true });
    this.hashKey = Buffer.from(key, 'base64');
  }

  seal(repositoryId: string, info: PersonalInfo): SealedPersonalInfo {
    const { ciphertext, keyId } = this.cipher.seal(info, personalInfoAad(repositoryId));
    return { ciphertext, keyId, identityHash: this.identityHash(info) };
  }

  open(repositoryId: string, ciphertext: string): PersonalInfo {
    return this.cipher.open<PersonalInfo>(ciphertext, personalInfoAad(repositoryId));
  }

  identityHash(info: PersonalInfo): Buffer {
    return identityHash(this.hashKey, info);
  }
}
