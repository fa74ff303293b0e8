import { ApiExtraModels, ApiProperty, getSchemaPath } from '@nestjs/swagger';
import { IsObject, IsString, Length } from 'class-validator';
import { InsuranceFormDto, PatientFormDto, PharmacyFormDto, PrescriberFormDto } from '../../forms/recipient-forms.dto';

/** The form data schema in OpenAPI: one of the built-in forms, or the CUSTOM recipient's own JSON Schema. */
const FORM_DATA_SCHEMA = {
  description:
    "The recipient's form data: the form of its type (PRESCRIBER, PATIENT, PHARMACY, INSURANCE) or, for CUSTOM, " +
    'an object valid against the JSON Schema given at creation. Unknown fields are refused by name (`formData.<field>`).',
  oneOf: [
    { $ref: getSchemaPath(PrescriberFormDto) },
    { $ref: getSchemaPath(PatientFormDto) },
    { $ref: getSchemaPath(PharmacyFormDto) },
    { $ref: getSchemaPath(InsuranceFormDto) },
    { type: 'object', additionalProperties: true, title: 'CUSTOM' },
  ],
};

@ApiExtraModels(PrescriberFormDto, PatientFormDto, PharmacyFormDto, InsuranceFormDto)
export class SaveDraftDto {
  /**
   * Fields to merge into the saved draft (a field set to null is removed). Checked as a draft: known
   * fields only, formats checked, required fields and consent not enforced yet.
   */
  @ApiProperty(FORM_DATA_SCHEMA)
  @IsObject()
  formData!: Record<string, unknown>;
}

@ApiExtraModels(PrescriberFormDto, PatientFormDto, PharmacyFormDto, InsuranceFormDto)
export class CompleteRecipientDto {
  /** The last fields, merged into the saved draft; the whole form is then validated for the recipient's type. */
  @ApiProperty(FORM_DATA_SCHEMA)
  @IsObject()
  formData!: Record<string, unknown>;
}

export class DeclineRecipientDto {
  /** Why the recipient declines; the creator sees it. */
  @IsString()
  @Length(1, 1000)
  reason!: string;
}
