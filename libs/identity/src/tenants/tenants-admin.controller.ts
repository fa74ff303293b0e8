import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiPageResponse, ApiProblems, PlatformAdmin, uuidParam, type Page } from '@itinera/platform';
import { CreateTenantDto, ListTenantsQuery, TenantResponse, UpdateTenantDto } from './tenant.dto';
import { TenantsService } from './tenants.service';

@ApiTags('admin')
@PlatformAdmin()
@Controller('admin/tenants')
export class TenantsAdminController {
  constructor(private readonly tenants: TenantsService) {}

  @Post()
  @ApiOperation({ summary: 'Create a tenant, optionally with an existing user as its OWNER' })
  @ApiCreatedResponse({ type: TenantResponse })
  @ApiProblems({ 409: 'The domain is taken.' })
  create(@Body() body: CreateTenantDto): Promise<TenantResponse> {
    return this.tenants.create(body);
  }

  @Get()
  @ApiOperation({ summary: 'List tenants, newest first' })
  @ApiPageResponse(TenantResponse)
  list(@Query() query: ListTenantsQuery): Promise<Page<TenantResponse>> {
    return this.tenants.list(query);
  }

  @Get(':id')
  @ApiOperation({ summary: 'One tenant' })
  @ApiOkResponse({ type: TenantResponse })
  get(@Param('id', uuidParam('id')) id: string): Promise<TenantResponse> {
    return this.tenants.get(id);
  }

  @Patch(':id')
  @ApiOperation({ summary: 'Change a tenant (name, domain, plan, metadata, active)' })
  @ApiOkResponse({ type: TenantResponse })
  @ApiProblems({ 409: 'The domain is taken.' })
  update(@Param('id', uuidParam('id')) id: string, @Body() body: UpdateTenantDto): Promise<TenantResponse> {
    return this.tenants.update(id, body);
  }

  @Post(':id/deactivate')
  @HttpCode(200)
  @ApiOperation({
    summary: 'Deactivate a tenant: its users cannot act in it and its API keys stop working',
    description: 'Takes effect at once on this instance and within PRINCIPAL_CACHE_TTL_MS everywhere.',
  })
  @ApiOkResponse({ type: TenantResponse })
  deactivate(@Param('id', uuidParam('id')) id: string): Promise<TenantResponse> {
    return this.tenants.update(id, { active: false });
  }
}
