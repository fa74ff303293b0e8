import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import {
  ApiPageResponse,
  ApiProblems,
  CurrentUser,
  PageQueryDto,
  Roles,
  TENANT_ADMIN_ROLES,
  uuidParam,
  type Page,
  type UserPrincipal,
} from '@itinera/platform';
import { PatientErasureService } from '../patient-erasure.service';
import { PatientRegistrationService } from '../patient-registration.service';
import { PATIENT_STAFF_ROLES, PatientRepositoryQueriesService } from '../patient-repository-queries.service';
import { RegisterPatientDto } from '../dto/register-patient.dto';
import { PatientRepositoryListItemResponse, PatientRepositoryResponse } from '../dto/patient-repository.response';

/** Everyone who may know of some repositories: staff, patients (their own), specialists (shared with them). */
const KNOWING_ROLES = [...PATIENT_STAFF_ROLES, 'PATIENT', 'SPECIALIST'] as const;

@ApiTags('patient-repositories')
@Controller('patient-repositories')
export class PatientRepositoriesController {
  constructor(
    private readonly registration: PatientRegistrationService,
    private readonly queries: PatientRepositoryQueriesService,
    private readonly erasure: PatientErasureService,
  ) {}

  @Post()
  @Roles(...PATIENT_STAFF_ROLES)
  @ApiOperation({
    summary: "Register a patient's repository (OWNER, ADMIN, MANAGER)",
    description:
      'The personal information is stored only encrypted; a keyed hash of the normalised name, date of birth and ' +
      'primary identifier refuses a second repository for the same person (409) without decrypting anything. ' +
      'The repository is PENDING_IDENTITY until its patient passes an identity challenge.',
  })
  @ApiCreatedResponse({ type: PatientRepositoryResponse })
  @ApiProblems({
    409: 'DUPLICATE_PATIENT: the same person, or this patient user, already has a repository in the tenant',
    422: 'NOT_A_PATIENT: patientUserId is not a member of the tenant with the PATIENT role',
  })
  register(@CurrentUser() user: UserPrincipal, @Body() body: RegisterPatientDto): Promise<PatientRepositoryResponse> {
    return this.registration.register(user.userId, body);
  }

  @Get()
  @Roles(...KNOWING_ROLES)
  @ApiOperation({
    summary: 'The repositories the caller may know of, newest first',
    description:
      'Staff (OWNER, ADMIN, MANAGER): every repository of the tenant. A patient: their own. A specialist: those a ' +
      'live consent grant (ACTIVE and within its period) shares with them, each with those grants. Summaries only.',
  })
  @ApiPageResponse(PatientRepositoryListItemResponse)
  list(
    @CurrentUser() user: UserPrincipal,
    @Query() query: PageQueryDto,
  ): Promise<Page<PatientRepositoryListItemResponse>> {
    return this.queries.list(user, query);
  }

  @Get(':id')
  @Roles(...KNOWING_ROLES)
  @ApiOperation({
    summary: "A repository's summary (no personal information)",
    description: 'For staff, the patient, or a specialist with a live grant on it; 404 for anyone else.',
  })
  @ApiOkResponse({ type: PatientRepositoryResponse })
  @ApiProblems({ 404: 'No such repository, or none the caller may know of' })
  get(
    @CurrentUser() user: UserPrincipal,
    @Param('id', uuidParam('id')) id: string,
  ): Promise<PatientRepositoryResponse> {
    return this.queries.get(user, id);
  }

  @Delete(':id')
  @HttpCode(204)
  @Roles(...TENANT_ADMIN_ROLES)
  @ApiOperation({
    summary: 'Erase a repository for good (OWNER, ADMIN)',
    description:
      'In one transaction: entries and their versions, identity challenges, consent grants and analyses are deleted; ' +
      'personal information, identity hash and key id are cleared and the repository becomes a tombstone that answers ' +
      '404 everywhere. The PHI access log and the audit log keep their entries (ids only). The person may be ' +
      'registered again.',
  })
  @ApiNoContentResponse({ description: 'Erased' })
  @ApiProblems({ 404: 'No such repository (or already erased)' })
  async erase(@CurrentUser() user: UserPrincipal, @Param('id', uuidParam('id')) id: string): Promise<void> {
    await this.erasure.erase(user.userId, id);
  }
}
