import { Injectable } from '@nestjs/common';
import type { RecipientType } from '@prisma/client';
import Ajv, { type ErrorObject, type ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { plainToInstance, type ClassConstructor } from 'class-transformer';
import { getMetadataStorage, validate, type ValidationError } from 'class-validator';
import { createHash } from 'node:crypto';
import { toFieldErrors, validationFailed, type FieldError } from '@itinera/platform';
import { BUILT_IN_FORM_SCHEMAS } from './form-schemas';
import {
  COMPLETION_CONSTRAINTS,
  InsuranceFormDto,
  PatientFormDto,
  PharmacyFormDto,
  PrescriberFormDto,
} from './recipient-forms.dto';

export type FormData = Record<string, unknown>;

export interface FormValidationInput {
  type: RecipientType;
  formData: FormData;
  /** A draft: required fields and completion-only constraints (consent, signature) are not enforced. */
  draft: boolean;
  /** The JSON Schema of a CUSTOM recipient. */
  formSchema?: unknown;
}

const FORM_CLASSES: Record<Exclude<RecipientType, 'CUSTOM'>, ClassConstructor<object>> = {
  PRESCRIBER: PrescriberFormDto,
  PATIENT: PatientFormDto,
  PHARMACY: PharmacyFormDto,
  INSURANCE: InsuranceFormDto,
};

/** The fields each built-in form declares. */
const KNOWN_FIELDS = Object.fromEntries(
  Object.entries(FORM_CLASSES).map(([type, dto]) => [
    type,
    new Set(
      getMetadataStorage()
        .getTargetValidationMetadatas(dto, '', true, false)
        .map((m) => m.propertyName),
    ),
  ]),
) as Record<Exclude<RecipientType, 'CUSTOM'>, Set<string>>;

/** How many compiled CUSTOM schemas are kept (by hash of the schema). */
const SCHEMA_CACHE_SIZE = 500;
const PREFIX = 'formData';

/**
 * Validates a recipient's form data for its type: the built-in types with their DTO classes
 * (class-validator), CUSTOM with the session's JSON Schema (ajv 8 + ajv-formats, compiled once per
 * distinct schema). Errors name fields as `formData.<path>`.
 */
@Injectable()
export class RecipientFormValidator {
  private readonly ajv: Ajv;
  private readonly compiled = new Map<string, ValidateFunction>();

  constructor() {
    this.ajv = new Ajv({ allErrors: true, strict: false });
    addFormats(this.ajv);
  }

  /** The JSON Schema a recipient's form follows (for the view). */
  schemaOf(type: RecipientType, formSchema?: unknown): unknown {
    return type === 'CUSTOM' ? formSchema : BUILT_IN_FORM_SCHEMAS[type];
  }

  /** The field errors of `input`, none when valid. */
  async errorsOf(input: FormValidationInput): Promise<FieldError[]> {
    if (input.type === 'CUSTOM') return this.customErrors(input);
    // Own keys checked by name first: class-validator's whitelist does not see keys such as
    // `constructor` or `toString`, which every object answers to.
    const known = KNOWN_FIELDS[input.type];
    const keys = Object.keys(input.formData);
    const unknownErrors = keys
      .filter((key) => !known.has(key))
      .map((key) => ({ field: `${PREFIX}.${key}`, message: 'is not allowed' }));
    const knownData = Object.fromEntries(keys.filter((key) => known.has(key)).map((key) => [key, input.formData[key]]));
    const instance = plainToInstance(FORM_CLASSES[input.type], knownData);
    const errors = await validate(instance, {
      whitelist: true,
      forbidNonWhitelisted: true,
      skipMissingProperties: input.draft,
      validationError: { target: false, value: false },
    });
    const relevant = input.draft ? withoutCompletionConstraints(errors) : errors;
    // A missing field is one error, not one per constraint it fails.
    const fieldErrors = [
      ...unknownErrors,
      ...toFieldErrors(
        relevant.map((e) =>
          input.formData[e.property] === undefined ? { ...e, constraints: { isDefined: 'is required' } } : e,
        ),
        PREFIX,
      ),
    ];
    if (!input.draft && input.type === 'PHARMACY') {
      const { ncpdpId, npi } = input.formData;
      if (ncpdpId === undefined && npi === undefined) {
        fieldErrors.push({ field: `${PREFIX}.ncpdpId`, message: 'ncpdpId or npi is required' });
      }
    }
    return fieldErrors;
  }

  /** Throws the 400 naming every wrong field. */
  async assertValid(input: FormValidationInput): Promise<void> {
    const errors = await this.errorsOf(input);
    if (errors.length > 0) throw validationFailed(errors);
  }

  private customErrors(input: FormValidationInput): FieldError[] {
    const check = this.compile(input.formSchema);
    if (check(input.formData)) return [];
    const errors = (check.errors ?? []).filter(
      (e) => !(input.draft && (e.keyword === 'required' || e.keyword === 'dependentRequired')),
    );
    return dedupe(errors.map(toCustomFieldError));
  }

  private compile(schema: unknown): ValidateFunction {
    const source = JSON.stringify(schema ?? {});
    const key = createHash('sha256').update(source).digest('base64');
    let check = this.compiled.get(key);
    if (!check) {
      check = this.ajv.compile(closedAtTop(JSON.parse(source) as Record<string, unknown>));
      if (this.compiled.size >= SCHEMA_CACHE_SIZE) this.compiled.delete(this.compiled.keys().next().value!);
      this.compiled.set(key, check);
    } else {
      // Most recently used last.
      this.compiled.delete(key);
      this.compiled.set(key, check);
    }
    return check;
  }
}

/**
 * Extra fields are refused for every type: a CUSTOM schema that lists its properties and says
 * nothing about others gets `additionalProperties: false` at its top level.
 */
function closedAtTop(schema: Record<string, unknown>): Record<string, unknown> {
  const open =
    typeof schema.properties === 'object' &&
    schema.additionalProperties === undefined &&
    schema.patternProperties === undefined &&
    schema.unevaluatedProperties === undefined;
  return open ? { ...schema, additionalProperties: false } : schema;
}

function withoutCompletionConstraints(errors: ValidationError[]): ValidationError[] {
  return errors
    .map((error) => {
      const constraints = Object.fromEntries(
        Object.entries(error.constraints ?? {}).filter(([name]) => !COMPLETION_CONSTRAINTS.has(name)),
      );
      const children = withoutCompletionConstraints(error.children ?? []);
      return { ...error, constraints, children };
    })
    .filter((error) => Object.keys(error.constraints).length > 0 || error.children.length > 0);
}

/** `/a/0/b` → `formData.a[0].b`; a missing or extra property names that property. */
function toCustomFieldError(error: ErrorObject): FieldError {
  let path = error.instancePath
    .split('/')
    .slice(1)
    .map((segment) => segment.replace(/~1/g, '/').replace(/~0/g, '~'));
  let message = error.message ?? 'is invalid';
  if (error.keyword === 'required') {
    path = [...path, String((error.params as { missingProperty: string }).missingProperty)];
    message = 'is required';
  } else if (error.keyword === 'additionalProperties') {
    path = [...path, String((error.params as { additionalProperty: string }).additionalProperty)];
    message = 'is not allowed';
  }
  const field = path.reduce(
    (acc, segment) => (/^\d+$/.test(segment) ? `${acc}[${segment}]` : `${acc}.${segment}`),
    PREFIX,
  );
  return { field, message };
}

function dedupe(errors: FieldError[]): FieldError[] {
  const seen = new Set<string>();
  return errors.filter((e) => {
    const key = `${e.field}\n${e.message}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
