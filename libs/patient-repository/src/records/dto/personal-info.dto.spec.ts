import { plainToInstance } from 'class-transformer';
import { validateSync } from 'class-validator';
import { isDateOfBirth, PersonalInfoDto, toPersonalInfo } from './personal-info.dto';

const valid = {
  legalName: { given: ['Ana'], family: 'Silva' },
  dateOfBirth: '1990-02-03',
  sex: 'female',
  contact: { email: 'ana@example.test' },
  address: { line: ['1 Main St'], city: 'Lisbon', postalCode: '1000-001', country: 'PT' },
  identifiers: [{ system: 'urn:x', value: '1' }],
};

describe('personal information', () => {
  it('takes real past dates after 1900 as dates of birth', () => {
    const today = new Date().toISOString().slice(0, 10);
    expect(isDateOfBirth('1990-02-03')).toBe(true);
    expect(isDateOfBirth('2000-02-29')).toBe(true);
    for (const bad of [
      '1900-01-01',
      '1899-12-31',
      '1990-02-30',
      '2001-02-29',
      '1990-13-01',
      today,
      '9999-01-01',
      '03/02/1990',
      19900203,
    ]) {
      expect(isDateOfBirth(bad)).toBe(false);
    }
  });

  it('validates a complete body and names nested fields', () => {
    expect(validateSync(plainToInstance(PersonalInfoDto, valid))).toEqual([]);
    const errors = validateSync(
      plainToInstance(PersonalInfoDto, { ...valid, address: { ...valid.address, country: 'pt' }, sex: 'F' }),
    );
    expect(errors.map((e) => e.property).sort()).toEqual(['address', 'sex']);
  });

  it('stores only the known fields, as plain data', () => {
    const dto = plainToInstance(PersonalInfoDto, { ...valid, contact: {} });
    const stored = toPersonalInfo(dto);
    expect(stored).toEqual({ ...valid, contact: {} });
    expect(Object.getPrototypeOf(stored.address)).toBe(Object.prototype);
  });
});
