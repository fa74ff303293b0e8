import { Module } from '@nestjs/common';
import { AuditModule } from '@itinera/audit';
import { ApiKeysController } from './api-keys/api-keys.controller';
import { ApiKeysService } from './api-keys/api-keys.service';
import { AuthController } from './auth/auth.controller';
import { AuthService } from './auth/auth.service';
import { Authenticator } from './authentication/authenticator';
import { OidcVerifier } from './authentication/oidc-verifier';
import { PrincipalCache } from './authentication/principal-cache';
import { AccessTokens } from './credentials/access-tokens';
import { LoginThrottle } from './credentials/login-throttle';
import { PasswordHasher } from './credentials/password-hasher';
import { MfaController } from './mfa/mfa.controller';
import { MfaService } from './mfa/mfa.service';
import { Totp } from './mfa/totp';
import { SessionTokens } from './sessions/session-tokens.service';
import { SessionsController } from './sessions/sessions.controller';
import { SessionsService } from './sessions/sessions.service';
import { MembersService } from './tenants/members.service';
import { TenantController } from './tenants/tenant.controller';
import { TenantsAdminController } from './tenants/tenants-admin.controller';
import { TenantsService } from './tenants/tenants.service';
import { UserDirectory } from './users/user-directory';

/**
 * Identity and tenancy for the API: sign-up and sign-in, sessions, MFA, API keys, tenants and
 * members, and the Authenticator the authentication hook (installAuthentication) uses.
 */
@Module({
  imports: [AuditModule],
  controllers: [
    AuthController,
    SessionsController,
    MfaController,
    TenantsAdminController,
    TenantController,
    ApiKeysController,
  ],
  providers: [
    AccessTokens,
    ApiKeysService,
    AuthService,
    Authenticator,
    LoginThrottle,
    MembersService,
    MfaService,
    OidcVerifier,
    PasswordHasher,
    PrincipalCache,
    SessionTokens,
    SessionsService,
    TenantsService,
    Totp,
    UserDirectory,
  ],
  exports: [Authenticator, PasswordHasher, AccessTokens, PrincipalCache, TenantsService, ApiKeysService],
})
export class IdentityModule {}
