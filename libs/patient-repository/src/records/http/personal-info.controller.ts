import { Body, Controller, Get, Param, Put } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { ApiProblems, CurrentUser, Roles, TENANT_ROLES, uuidParam, type UserPrincipal } from '@itinera/platform';
import { accessActorOf } from '../../access/record-access.types';
import { PersonalInfoService } from '../personal-info.service';
import { PersonalInfoDto, type PersonalInfo } from '../dto/personal-info.dto';

@ApiTags('patient-repositories')
@Controller('patient-repositories/:id/personal-info')
export class PersonalInfoController {
  constructor(private readonly personalInfo: PersonalInfoService) {}

  @Get()
  // Every role reaches the consent check, so that refusals (staff: 403) are in the access log too.
  @Roles(...TENANT_ROLES)
  @ApiOperation({
    summary: "The patient's personal information, decrypted",
    description:
      'For the patient (once verified) and for a specialist whose live grant covers PERSONAL_INFO. Every read, ' +
      'allowed or refused, is written to the access log.',
  })
  @ApiOkResponse({ type: PersonalInfoDto })
  @ApiProblems({
    403: 'Staff (no access to personal information), a grant that does not cover PERSONAL_INFO, or the patient before passing an identity challenge',
    404: 'No such repository, or none the caller may read',
  })
  read(@CurrentUser() user: UserPrincipal, @Param('id', uuidParam('id')) id: string): Promise<PersonalInfo> {
    return this.personalInfo.read(accessActorOf(user), id);
  }

  @Put()
  @Roles(...TENANT_ROLES)
  @ApiOperation({
    summary: 'Replace the personal information (the patient)',
    description:
      'Sealed again under the newest key with a new identity hash; 409 when that identifies the person of another ' +
      'repository. Audited without values.',
  })
  @ApiOkResponse({ type: PersonalInfoDto })
  @ApiProblems({
    403: 'Not the patient (staff, specialists), or the patient before passing an identity challenge',
    404: 'No such repository, or none the caller may change',
    409: 'DUPLICATE_PATIENT: the new details identify the person of another repository',
  })
  replace(
    @CurrentUser() user: UserPrincipal,
    @Param('id', uuidParam('id')) id: string,
    @Body() body: PersonalInfoDto,
  ): Promise<PersonalInfo> {
    return this.personalInfo.replace(accessActorOf(user), id, body);
  }
}
