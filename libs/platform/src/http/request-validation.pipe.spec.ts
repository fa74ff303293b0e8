import { Type } from 'class-transformer';
import { IsEmail, IsInt, Max, ValidateNested } from 'class-validator';
import { AppError } from '../errors/app-error';
import { RequestValidationPipe } from './request-validation.pipe';

class Recipient {
  @IsEmail()
  email!: string;
}

class CreateThing {
  @IsInt()
  @Max(10)
  count!: number;

  @ValidateNested({ each: true })
  @Type(() => Recipient)
  recipients!: Recipient[];
}

async function errorsOf(value: unknown): Promise<unknown> {
  try {
    await new RequestValidationPipe().transform(value, { type: 'body', metatype: CreateThing });
  } catch (error) {
    expect(error).toBeInstanceOf(AppError);
    return (error as AppError).errors;
  }
  throw new Error('expected a validation error');
}

describe('RequestValidationPipe', () => {
  it('reports nested fields as paths, without repeating the property name', async () => {
    expect(await errorsOf({ count: 11, recipients: [{ email: 'a@b.co' }, { email: 'nope' }] })).toEqual([
      { field: 'count', message: 'must not be greater than 10' },
      { field: 'recipients[1].email', message: 'must be an email' },
    ]);
  });

  it('rejects unknown fields by name', async () => {
    expect(await errorsOf({ count: 1, recipients: [], admin: true })).toEqual([
      { field: 'admin', message: 'is not allowed' },
    ]);
  });

  it.each([null, 42, 'text', [1, 2]])('refuses a body that is not an object (%p)', async (body) => {
    expect(await errorsOf(body)).toEqual([{ field: 'body', message: 'must be a JSON object' }]);
  });

  it('passes a valid body through as a DTO instance', async () => {
    const value = await new RequestValidationPipe().transform(
      { count: 2, recipients: [] },
      { type: 'body', metatype: CreateThing },
    );
    expect(value).toBeInstanceOf(CreateThing);
  });
});
