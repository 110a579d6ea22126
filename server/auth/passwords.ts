import crypto from 'node:crypto';
import { promisify } from 'node:util';
import { faults } from '../errors.js';

// scrypt from node:crypto: memory-hard, no native addon to build. N = 2^15, r = 8 takes 32 MB and
// tens of milliseconds a guess; the parameters are stored with each hash so they can grow later.
const scrypt = promisify(crypto.scrypt) as (
  password: string,
  salt: Buffer,
  length: number,
  options: crypto.ScryptOptions,
) => Promise<Buffer>;
const COST = { N: 2 ** 15, r: 8, p: 1 };
const LENGTH = 32;
const MAXMEM = 64 * 1024 * 1024;

export const MIN_PASSWORD_LENGTH = 12;

export async function hashPassword(password: string): Promise<string> {
  const salt = crypto.randomBytes(16);
  const hash = await scrypt(password, salt, LENGTH, { ...COST, maxmem: MAXMEM });
  return ['scrypt', COST.N, COST.r, COST.p, salt.toString('base64'), hash.toString('base64')].join('$');
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const [kind, n, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !salt || !hash) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: MAXMEM,
  });
  return crypto.timingSafeEqual(actual, expected);
}

/** Refuses a password a person should not use, saying why. */
export function checkPassword(password: string, email: string): void {
  if ([...password].length < MIN_PASSWORD_LENGTH) {
    throw faults.invalid(
      'weak_password',
      `The password has ${[...password].length} characters; it needs at least ${MIN_PASSWORD_LENGTH}.`,
      'Choose a longer password: a few unrelated words make one that is easy to remember.',
    );
  }
  if (password.trim().toLowerCase() === email.trim().toLowerCase()) {
    throw faults.invalid(
      'weak_password',
      'The password is the e-mail address.',
      'Choose a password that nobody can guess from the address.',
    );
  }
}

/** A password for someone who will change it: 20 characters from an alphabet without look-alikes. */
export function generatePassword(): string {
  const alphabet = 'abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = crypto.randomBytes(20);
  return [...bytes].map((b) => alphabet[b % alphabet.length]).join('');
}
