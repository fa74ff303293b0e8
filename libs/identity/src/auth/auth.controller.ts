import { Body, Controller, Get, HttpCode, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, CurrentUser, Public, WithoutTenant, type UserPrincipal } from '@itinera/platform';
import {
  ChangePasswordDto,
  LoginDto,
  MeResponse,
  RefreshDto,
  RegisterDto,
  SwitchTenantDto,
  TokenPairResponse,
  UserResponse,
} from './auth.dto';
import { AuthRateLimit } from './auth-rate-limit';
import { AuthService } from './auth.service';

@ApiTags('auth')
@Controller('auth')
export class AuthController {
  constructor(private readonly auth: AuthService) {}

  @Post('register')
  @Public()
  @AuthRateLimit()
  @ApiOperation({
    summary: 'Create a user account',
    description: 'The account belongs to no tenant until a tenant admin adds it (POST /tenant/members).',
  })
  @ApiCreatedResponse({ type: UserResponse })
  @ApiProblems({ 409: 'The email is already registered.' })
  register(@Body() body: RegisterDto): Promise<UserResponse> {
    return this.auth.register(body);
  }

  @Post('login')
  @Public()
  @AuthRateLimit()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Sign in with email and password (and an MFA code when enabled)',
    description:
      'Returns a short-lived access token and a refresh token. Failed attempts are throttled per account and per IP (429 with Retry-After); the answer never says whether the email exists.',
  })
  @ApiOkResponse({ type: TokenPairResponse })
  @ApiProblems({
    401: 'Wrong email, password or MFA code (INVALID_CREDENTIALS), or MFA_REQUIRED.',
    403: 'Not a member of the requested tenant, or it is deactivated.',
  })
  login(@Body() body: LoginDto): Promise<TokenPairResponse> {
    return this.auth.login(body);
  }

  @Post('refresh')
  @Public()
  @AuthRateLimit()
  @HttpCode(200)
  @ApiOperation({
    summary: 'Exchange a refresh token for new tokens (rotation)',
    description: 'Each refresh token works once. Presenting a used one again ends the whole session.',
  })
  @ApiOkResponse({ type: TokenPairResponse })
  @ApiProblems({ 401: 'The refresh token is not valid; sign in again.' })
  refresh(@Body() body: RefreshDto): Promise<TokenPairResponse> {
    return this.auth.refresh(body.refreshToken);
  }

  @Post('logout')
  @WithoutTenant()
  @HttpCode(204)
  @ApiOperation({ summary: 'End the current session (its refresh and access tokens stop working)' })
  @ApiNoContentResponse({ description: 'Signed out.' })
  logout(@CurrentUser() user: UserPrincipal): Promise<void> {
    return this.auth.logout(user);
  }

  @Get('me')
  @WithoutTenant()
  @ApiOperation({ summary: 'The signed-in user, their tenants and the active one' })
  @ApiOkResponse({ type: MeResponse })
  me(@CurrentUser() user: UserPrincipal): Promise<MeResponse> {
    return this.auth.me(user);
  }

  @Post('switch-tenant')
  @WithoutTenant()
  @HttpCode(200)
  @ApiOperation({ summary: 'Act in another of your tenants: new tokens for the same session' })
  @ApiOkResponse({ type: TokenPairResponse })
  @ApiProblems({ 403: 'Not a member of that tenant, or it is deactivated.' })
  switchTenant(@CurrentUser() user: UserPrincipal, @Body() body: SwitchTenantDto): Promise<TokenPairResponse> {
    return this.auth.switchTenant(user, body.tenantId);
  }

  @Post('password')
  @WithoutTenant()
  @AuthRateLimit()
  @HttpCode(204)
  @ApiOperation({ summary: 'Change your password; every other session is signed out' })
  @ApiNoContentResponse({ description: 'Changed.' })
  @ApiProblems({ 401: 'The current password is wrong.' })
  changePassword(@CurrentUser() user: UserPrincipal, @Body() body: ChangePasswordDto): Promise<void> {
    return this.auth.changePassword(user, body);
  }
}
