import { answersMatch, CHALLENGE_QUESTION_IDS } from './challenge-questions';
import type { PersonalInfo } from './dto/personal-info.dto';

const info: PersonalInfo = {
  legalName: { given: ['Ana'], family: 'Silva' },
  dateOfBirth: '1990-02-03',
  sex: 'female',
  address: { line: ['1 Main St'], city: 'Lisbon', postalCode: 'SW1A 1AA', country: 'PT' },
  identifiers: [{ system: 'urn:x', value: '1' }],
};

describe('identity challenge answers', () => {
  it('accept the values on file, whatever the spacing and case of the postal code', () => {
    for (const postalCode of ['SW1A 1AA', 'sw1a1aa', ' Sw1a-1aa ']) {
      expect(answersMatch(CHALLENGE_QUESTION_IDS, { dateOfBirth: '1990-02-03', postalCode }, info)).toBe(true);
    }
  });

  it('refuse when any answer is wrong or missing', () => {
    expect(answersMatch(CHALLENGE_QUESTION_IDS, { dateOfBirth: '1990-02-04', postalCode: 'SW1A 1AA' }, info)).toBe(
      false,
    );
    expect(answersMatch(CHALLENGE_QUESTION_IDS, { dateOfBirth: '1990-02-03', postalCode: 'SW1A 1AB' }, info)).toBe(
      false,
    );
    expect(answersMatch(CHALLENGE_QUESTION_IDS, { dateOfBirth: '1990-02-03' }, info)).toBe(false);
  });
});
