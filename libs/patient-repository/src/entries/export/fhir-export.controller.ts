import { Controller, Get, Param, Query, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { ApiProblems, CurrentPrincipal, Roles, TENANT_ROLES, uuidParam, type Principal } from '@itinera/platform';
import { accessActorOf } from '../../access/record-access.types';
import { ExportRecordQuery } from './dto/export-record.query';
import { FhirBundleResponse } from './dto/fhir-bundle.response';
import { FhirExportService } from './fhir-export.service';

const FHIR_JSON = 'application/fhir+json; charset=utf-8';

@ApiTags('patient-entries')
@Controller('patient-repositories/:id/export')
// Every tenant role reaches the consent check, which decides and logs refusals too.
@Roles(...TENANT_ROLES)
export class FhirExportController {
  constructor(private readonly exports: FhirExportService) {}

  @Get()
  @ApiOperation({
    summary: 'Export the record as a FHIR R4 Bundle (the patient, or a specialist for what their grant covers)',
    description:
      'Patient (first page only, when personal information is covered), Condition, MedicationStatement, AllergyIntolerance, ' +
      'Observation (vital-signs profile), Procedure, Immunization and FamilyMemberHistory. A record larger than one page ' +
      'comes as `searchset` bundles linked by `next`; each page is logged in the access log as an EXPORT.',
  })
  @ApiProduces('application/fhir+json')
  @ApiOkResponse({ type: FhirBundleResponse, description: 'One page of the record as a FHIR R4 Bundle' })
  @ApiProblems({
    403: 'A category named in `categories` is not covered by the live grant; staff; a patient not yet verified',
    404: 'No such repository for the caller (including a specialist without a live grant)',
  })
  async export(
    @CurrentPrincipal() principal: Principal,
    @Param('id', uuidParam('id')) id: string,
    @Query() query: ExportRecordQuery,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<FhirBundleResponse> {
    const bundle = await this.exports.export(accessActorOf(principal), id, query);
    reply.header('content-type', FHIR_JSON);
    return bundle;
  }
}
