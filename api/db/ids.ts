import { randomUUID } from 'node:crypto';

/** Every exposed id: random UUIDv4, never sequential. */
export function newId(): string {
  return randomUUID();
}
