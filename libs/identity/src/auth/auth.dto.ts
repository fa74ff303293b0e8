import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsEmail, IsOptional, IsString, IsUUID, Length, Matches, MaxLength, MinLength } from 'class-validator';
import { TENANT_ROLES, type TenantRole } from '@itinera/platform';

const normaliseEmail = ({ value }: { value: unknown }) =>
  typeof value === 'string' ? value.trim().toLowerCase() : value;

/** Passwords: 12 to 128 characters; length beats composition rules (NIST SP 800-63B). */
export const PASSWORD_MIN = 12;
export const PASSWORD_MAX = 128;

export class RegisterDto {
  /** Case-insensitive; stored lower-cased. */
  @Transform(normaliseEmail)
  @IsEmail()
  @MaxLength(320)
  email!: string;

  /** 12 to 128 characters. */
  @IsString()
  @MinLength(PASSWORD_MIN)
  @MaxLength(PASSWORD_MAX)
  password!: string;

  @IsString()
  @Length(1, 200)
  displayName!: string;
}

export class LoginDto {
  @Transform(normaliseEmail)
  @IsEmail()
  @MaxLength(320)
  email!: string;

  @IsString()
  @Length(1, PASSWORD_MAX)
  password!: string;

  /** The six-digit code of the authenticator app, for accounts with MFA. */
  @IsOptional()
  @Matches(/^\d{6}$/, { message: 'must be six digits' })
  mfaCode?: string;

  /** The tenant to act in; defaults to the user's default tenant, else their first. */
  @IsOptional()
  @IsUUID()
  tenantId?: string;
}

export class RefreshDto {
  /** The refresh token of the last sign-in or refresh; each one works once. */
  @IsString()
  @Length(1, 200)
  refreshToken!: string;
}

export class SwitchTenantDto {
  @IsUUID()
  tenantId!: string;
}

export class ChangePasswordDto {
  @IsString()
  @Length(1, PASSWORD_MAX)
  currentPassword!: string;

  /** 12 to 128 characters. Every other session of the user is signed out. */
  @IsString()
  @MinLength(PASSWORD_MIN)
  @MaxLength(PASSWORD_MAX)
  newPassword!: string;
}

/** Tokens of a sign-in: send `accessToken` as `Authorization: Bearer`, keep `refreshToken` to renew it. */
export class TokenPairResponse {
  accessToken!: string;
  /** Good for one refresh; presenting it twice ends the whole session. */
  refreshToken!: string;
  @ApiProperty({ enum: ['Bearer'] })
  tokenType!: 'Bearer';
  /** Seconds until the access token expires. */
  expiresIn!: number;
  sessionId!: string;
  /** The session's active tenant; null while the user belongs to none. */
  @ApiProperty({ type: String, format: 'uuid', nullable: true })
  tenantId!: string | null;
}

export class MembershipResponse {
  @ApiProperty({ format: 'uuid' })
  tenantId!: string;
  tenantName!: string;
  tenantDomain!: string;
  tenantActive!: boolean;
  @ApiProperty({ enum: TENANT_ROLES })
  role!: TenantRole;
}

export class UserResponse {
  @ApiProperty({ format: 'uuid' })
  id!: string;
  email!: string;
  displayName!: string;
  @ApiProperty({ enum: ['ACTIVE', 'DISABLED'] })
  status!: string;
  isPlatformAdmin!: boolean;
  mfaEnabled!: boolean;
  createdAt!: Date;
}

/** The signed-in user, their tenants and the session's active tenant. */
export class MeResponse {
  user!: UserResponse;
  memberships!: MembershipResponse[];
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true })
  activeTenantId!: string | null;
  @ApiPropertyOptional({ enum: TENANT_ROLES, nullable: true })
  activeRole!: TenantRole | null;
  @ApiPropertyOptional({ type: String, format: 'uuid', nullable: true })
  sessionId!: string | null;
}
