/**
 * An address shortened so that logs and listings show whom a message went to without giving the
 * address away: `j***@example.com`, `+4******789`.
 */
export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  if (at > 0) return `${address[0]}***${address.slice(at)}`;
  if (address.length <= 5) return '*'.repeat(address.length);
  return `${address.slice(0, 2)}${'*'.repeat(address.length - 5)}${address.slice(-3)}`;
}
