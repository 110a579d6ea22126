import type { Migration } from '../migrate.js';
import { initial } from './001-initial.js';

/** Every migration, in order: a new one goes last, numbered one more than the one before. */
export const MIGRATIONS: readonly Migration[] = [initial];
