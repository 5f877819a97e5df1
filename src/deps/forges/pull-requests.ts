/** Small rules shared by the forge clients. */
import { AppError } from '../../domain/errors.js';
import type { PullRequest } from './types.js';

/** The PR number of an update/close call: a positive whole number. */
export function pullNumber(number: number): number {
  if (!Number.isSafeInteger(number) || number < 1) throw new AppError('validation', `pull request number ${number} is not valid; give the number shown on the forge (1 or more)`);
  return number;
}

/** Newest first: the highest number was opened last (numbers grow per repository). */
export function sortNewestFirst(pulls: PullRequest[]): PullRequest[] {
  return pulls.sort((a, b) => b.number - a.number);
}
