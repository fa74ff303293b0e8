import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

export class FhirBundleLink {
  /** `self`, or `next` while more pages follow. */
  @ApiProperty({ enum: ['self', 'next'] })
  relation!: string;
  /** The request that returns that page (relative to the API's base URL). */
  url!: string;
}

export class FhirBundleEntry {
  /** `urn:uuid:<resource id>`. */
  fullUrl!: string;
  /** A FHIR R4 resource: Patient, Condition, MedicationStatement, AllergyIntolerance, Observation, Procedure, Immunization or FamilyMemberHistory. */
  @ApiProperty({ type: 'object', additionalProperties: true, example: { resourceType: 'Condition', id: '…' } })
  resource!: Record<string, unknown>;
  /** In a searchset: `match` for entries, `include` for the Patient. */
  @ApiPropertyOptional({ type: 'object', properties: { mode: { type: 'string', enum: ['match', 'include'] } } })
  search?: { mode: 'match' | 'include' };
}

/** A FHIR R4 Bundle (hl7.org/fhir/R4/bundle.html) of the record. */
export class FhirBundleResponse {
  @ApiProperty({ enum: ['Bundle'] })
  resourceType!: 'Bundle';
  @ApiProperty({ format: 'uuid' })
  id!: string;
  /** `collection` when the whole record fits in one page; `searchset` (with `link`) when paged. */
  @ApiProperty({ enum: ['collection', 'searchset'] })
  type!: 'collection' | 'searchset';
  /** When the bundle was assembled. */
  @ApiProperty({ format: 'date-time' })
  timestamp!: string;
  /** For a searchset: `self`, and `next` while more pages follow. */
  @ApiPropertyOptional({ type: [FhirBundleLink] })
  link?: FhirBundleLink[];
  @ApiProperty({ type: [FhirBundleEntry] })
  entry!: FhirBundleEntry[];
}
