import { Body, Controller, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiPageResponse,
  ApiProblems,
  CurrentTenant,
  CurrentUser,
  PageQueryDto,
  Roles,
  TENANT_ADMIN_ROLES,
  uuidParam,
  type Page,
  type UserPrincipal,
} from '@itinera/platform';
import { AddMemberDto, ChangeRoleDto, MemberResponse, TenantResponse } from './tenant.dto';
import { MembersService } from './members.service';
import { TenantsService } from './tenants.service';

/** The active tenant (from the token) and its members. */
@ApiTags('tenant')
@Controller('tenant')
export class TenantController {
  constructor(
    private readonly tenants: TenantsService,
    private readonly members: MembersService,
  ) {}

  @Get()
  @ApiOperation({ summary: 'The active tenant' })
  @ApiOkResponse({ type: TenantResponse })
  current(@CurrentTenant() tenantId: string): Promise<TenantResponse> {
    return this.tenants.get(tenantId);
  }

  @Get('members')
  @Roles(...TENANT_ADMIN_ROLES)
  @ApiOperation({ summary: "The tenant's members, oldest first" })
  @ApiPageResponse(MemberResponse)
  listMembers(@Query() query: PageQueryDto): Promise<Page<MemberResponse>> {
    return this.members.list(query);
  }

  @Post('members')
  @Roles(...TENANT_ADMIN_ROLES)
  @ApiOperation({ summary: 'Add a registered user to the tenant with a role' })
  @ApiCreatedResponse({ type: MemberResponse })
  @ApiProblems({ 409: 'Already a member.' })
  addMember(@CurrentUser() user: UserPrincipal, @Body() body: AddMemberDto): Promise<MemberResponse> {
    return this.members.add(user, body);
  }

  @Patch('members/:userId')
  @Roles(...TENANT_ADMIN_ROLES)
  @ApiOperation({ summary: "Change a member's role (only an OWNER grants or takes away OWNER)" })
  @ApiOkResponse({ type: MemberResponse })
  @ApiProblems({ 409: 'The tenant would be left without an OWNER.' })
  changeRole(
    @CurrentUser() user: UserPrincipal,
    @Param('userId', uuidParam('userId')) userId: string,
    @Body() body: ChangeRoleDto,
  ): Promise<MemberResponse> {
    return this.members.changeRole(user, userId, body.role);
  }

  @Delete('members/:userId')
  @Roles(...TENANT_ADMIN_ROLES)
  @HttpCode(204)
  @ApiOperation({ summary: 'Remove a member from the tenant' })
  @ApiNoContentResponse({ description: 'Removed.' })
  @ApiProblems({ 409: 'The tenant would be left without an OWNER.' })
  removeMember(
    @CurrentUser() user: UserPrincipal,
    @Param('userId', uuidParam('userId')) userId: string,
  ): Promise<void> {
    return this.members.remove(user, userId);
  }
}
