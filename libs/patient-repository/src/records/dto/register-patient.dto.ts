import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsUUID, ValidateNested } from 'class-validator';
import { PersonalInfoDto } from './personal-info.dto';

export class RegisterPatientDto {
  /** The user whose record this is: a member of the tenant with the PATIENT role. */
  @ApiProperty({ format: 'uuid' })
  @IsUUID()
  patientUserId!: string;

  @ApiProperty({ type: PersonalInfoDto })
  @ValidateNested()
  @Type(() => PersonalInfoDto)
  personalInfo!: PersonalInfoDto;
}
