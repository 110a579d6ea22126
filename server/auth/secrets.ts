import crypto from 'node:crypto';

// Sessions and keys are 256 random bits with a prefix that says what they are (a key pasted in a
// chat or a log is recognisable, and secret scanners can match it). Only their SHA-256 is stored:
// they are random, so a slow hash adds nothing.

export const SESSION_PREFIX = 'cvs_';
export const KEY_PREFIX = 'cvk_';

export const newSecret = (prefix: string) => prefix + crypto.randomBytes(32).toString('base64url');

export const hashSecret = (secret: string) => crypto.createHash('sha256').update(secret).digest('hex');

export const newId = () => crypto.randomBytes(8).toString('hex');
