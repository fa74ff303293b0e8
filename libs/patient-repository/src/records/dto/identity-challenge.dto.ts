import { ApiProperty } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsString, Length, ValidateNested } from 'class-validator';

/** One answer per question of the challenge. */
export class ChallengeAnswersDto {
  /** The date of birth on file, `YYYY-MM-DD`. */
  @ApiProperty({ example: '1984-07-12' })
  @IsString()
  @Length(1, 40)
  dateOfBirth!: string;

  /** The postal code of the address on file (spacing and case do not matter). */
  @ApiProperty({ example: 'NW1 6XE' })
  @IsString()
  @Length(1, 40)
  postalCode!: string;
}

export class AnswerIdentityChallengeDto {
  @ApiProperty({ type: ChallengeAnswersDto })
  @ValidateNested()
  @Type(() => ChallengeAnswersDto)
  answers!: ChallengeAnswersDto;
}
