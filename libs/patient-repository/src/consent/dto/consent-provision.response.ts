import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { ConsentGrant, RecordCategory } from '@prisma/client';
import { PURPOSE_OF_USE, PURPOSE_OF_USE_SYSTEM, type PurposeOfUse } from '../purpose-of-use';

/** The FHIR resource type each category of the record is exported as (Consent.provision.class). */
export const RESOURCE_TYPE_OF_CATEGORY: Record<RecordCategory, string> = {
  PERSONAL_INFO: 'Patient',
  DIAGNOSES: 'Condition',
  MEDICATIONS: 'MedicationStatement',
  ALLERGIES: 'AllergyIntolerance',
  VITAL_SIGNS: 'Observation',
  PROCEDURES: 'Procedure',
  IMMUNIZATIONS: 'Immunization',
  FAMILY_HISTORY: 'FamilyMemberHistory',
};

const RESOURCE_TYPES_SYSTEM = 'http://hl7.org/fhir/resource-types';
const PARTICIPATION_TYPE_SYSTEM = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';

/** A FHIR Coding. */
export class ConsentCoding {
  system!: string;
  code!: string;
  @ApiPropertyOptional()
  display?: string;
}

/** A FHIR CodeableConcept. */
export class ConsentCodeableConcept {
  @ApiProperty({ type: [ConsentCoding] })
  coding!: ConsentCoding[];
}

/** A FHIR Reference. */
export class ConsentReference {
  /** `Practitioner/<specialist user id>`. */
  reference!: string;
}

/** A FHIR Period. */
export class ConsentPeriod {
  start!: Date;
  end!: Date;
}

/** Who the provision applies to: the specialist, as the recipient (IRCP) of the information. */
export class ConsentProvisionActor {
  role!: ConsentCodeableConcept;
  reference!: ConsentReference;
}

/** The grant as FHIR R4 Consent.provision: permit these classes, to this actor, for this purpose and period. */
export class ConsentProvision {
  @ApiProperty({ enum: ['permit'] })
  type!: 'permit';
  period!: ConsentPeriod;
  @ApiProperty({ type: [ConsentProvisionActor] })
  actor!: ConsentProvisionActor[];
  @ApiProperty({ type: [ConsentCoding] })
  purpose!: ConsentCoding[];
  /** The FHIR resource types of the scopes. */
  @ApiProperty({ type: [ConsentCoding] })
  class!: ConsentCoding[];
}

export function toConsentProvision(
  grant: Pick<ConsentGrant, 'specialistUserId' | 'scopes' | 'purpose' | 'periodStart' | 'periodEnd'>,
): ConsentProvision {
  return {
    type: 'permit',
    period: { start: grant.periodStart, end: grant.periodEnd },
    actor: [
      {
        role: { coding: [{ system: PARTICIPATION_TYPE_SYSTEM, code: 'IRCP', display: 'information recipient' }] },
        reference: { reference: `Practitioner/${grant.specialistUserId}` },
      },
    ],
    purpose: [
      {
        system: PURPOSE_OF_USE_SYSTEM,
        code: grant.purpose,
        ...(grant.purpose in PURPOSE_OF_USE ? { display: PURPOSE_OF_USE[grant.purpose as PurposeOfUse] } : {}),
      },
    ],
    class: grant.scopes.map((scope) => ({ system: RESOURCE_TYPES_SYSTEM, code: RESOURCE_TYPE_OF_CATEGORY[scope] })),
  };
}
