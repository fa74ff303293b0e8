/**
 * A National Provider Identifier: 10 digits whose last is a Luhn check digit computed over the
 * card-issuer prefix "80840" followed by the first nine digits (CMS, "NPI check digit").
 */
export function isValidNpi(value: unknown): boolean {
  if (typeof value !== 'string' || !/^\d{10}$/.test(value)) return false;
  return luhnValid(`80840${value}`);
}

/** The Luhn check over a string of digits whose last digit is the check digit. */
function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = digits.length - 1, double = false; i >= 0; i--, double = !double) {
    let d = digits.charCodeAt(i) - 48;
    if (double) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}
