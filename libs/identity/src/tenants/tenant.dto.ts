import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import {
  IsBoolean,
  IsEmail,
  IsIn,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateIf,
} from 'class-validator';
import { PageQueryDto, TENANT_ROLES, type TenantRole } from '@itinera/platform';

export const TENANT_PLANS = ['BASIC', 'PRO', 'ENTERPRISE'] as const;
export type TenantPlan = (typeof TENANT_PLANS)[number];

const lower = ({ value }: { value: unknown }) => (typeof value === 'string' ? value.trim().toLowerCase() : value);

/**
 * Like @IsOptional, but for an absent field only: `null` is validated, and refused, like any other
 * value. (@IsOptional lets null through to Prisma, which rejects it for a non-nullable column: a 500.)
 */
const Omittable = () => ValidateIf((_object: object, value: unknown) => value !== undefined);

/** The domain pattern is written out in each @Matches: the Swagger plugin reads only a literal into `pattern`. */
const DOMAIN_MESSAGE = 'must be lower-case letters, digits and inner hyphens';

export class CreateTenantDto {
  @IsString()
  @Length(1, 200)
  name!: string;

  /** Unique slug: lower-case letters, digits and inner hyphens, up to 100 characters. */
  @Transform(lower)
  @Matches(/^[a-z0-9]([a-z0-9-]{0,98}[a-z0-9])?$/, { message: DOMAIN_MESSAGE })
  domain!: string;

  @ApiPropertyOptional({ enum: TENANT_PLANS, default: 'BASIC' })
  @Omittable()
  @IsIn(TENANT_PLANS)
  plan?: TenantPlan;

  /** Free-form settings (a JSON object, at most 16 KiB). */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @Omittable()
  @IsObject()
  metadata?: Record<string, unknown>;

  /** An existing user to make the tenant's OWNER. */
  @Omittable()
  @Transform(lower)
  @IsEmail()
  @MaxLength(320)
  ownerEmail?: string;
}

/**
 * The fields a PATCH may change, each optional but never null. Written out rather than
 * PartialType(CreateTenantDto), which would let null through (@IsOptional) and accept an
 * `ownerEmail` that an update ignores.
 */
export class UpdateTenantDto {
  @Omittable()
  @IsString()
  @Length(1, 200)
  name?: string;

  /** Unique slug: lower-case letters, digits and inner hyphens, up to 100 characters. */
  @Omittable()
  @Transform(lower)
  @Matches(/^[a-z0-9]([a-z0-9-]{0,98}[a-z0-9])?$/, { message: DOMAIN_MESSAGE })
  domain?: string;

  @ApiPropertyOptional({ enum: TENANT_PLANS })
  @Omittable()
  @IsIn(TENANT_PLANS)
  plan?: TenantPlan;

  /** Free-form settings (a JSON object, at most 16 KiB); replaces the current ones. */
  @ApiPropertyOptional({ type: 'object', additionalProperties: true })
  @Omittable()
  @IsObject()
  metadata?: Record<string, unknown>;

  /** false deactivates (no sign-in, no API keys), true reactivates. */
  @Omittable()
  @IsBoolean()
  active?: boolean;
}

export class ListTenantsQuery extends PageQueryDto {
  @ApiPropertyOptional({ enum: TENANT_PLANS })
  @IsOptional()
  @IsIn(TENANT_PLANS)
  plan?: TenantPlan;

  /** Only active (true) or deactivated (false) tenants. */
  @IsOptional()
  @Transform(({ value }: { value: unknown }) => (value === 'true' ? true : value === 'false' ? false : value))
  @IsBoolean()
  active?: boolean;
}

export class TenantResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  name!: string;
  domain!: string;
  @ApiProperty({ enum: TENANT_PLANS })
  plan!: TenantPlan;
  active!: boolean;
  @ApiProperty({ type: 'object', additionalProperties: true })
  metadata!: Record<string, unknown>;
  @ApiProperty({ type: String, format: 'date-time', nullable: true })
  deactivatedAt!: Date | null;
  createdAt!: Date;
  updatedAt!: Date;
}

export class AddMemberDto {
  /** The email of a registered user. */
  @Transform(lower)
  @IsEmail()
  @MaxLength(320)
  email!: string;

  @ApiProperty({ enum: TENANT_ROLES })
  @IsIn(TENANT_ROLES)
  role!: TenantRole;
}

export class ChangeRoleDto {
  @ApiProperty({ enum: TENANT_ROLES })
  @IsIn(TENANT_ROLES)
  role!: TenantRole;
}

export class MemberResponse {
  @ApiProperty({ format: 'uuid' })
  userId!: string;
  email!: string;
  displayName!: string;
  @ApiProperty({ enum: TENANT_ROLES })
  role!: TenantRole;
  createdAt!: Date;
}
