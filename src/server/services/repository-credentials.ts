import { readFile, realpath } from 'node:fs/promises';
import { join, sep } from 'node:path';
import { canManageOrganization, type AccessSubject } from '../../domain/access.js';
import { AppError } from '../../domain/errors.js';
import { secretsDirOf, type ServerConfig } from '../config.js';

/**
 * Credentials of watched repositories: a repository names where its token is (`credentialsRef`),
 * never the token. `file:NAME` is the file NAME in the account's own folder of the secrets directory
 * (`<secretsDir>/<accountId>/NAME`, its trimmed content); `env:PATCHWARDEN_SECRET_…` an environment
 * variable of the server — server-wide, so only organization admins may name one. The secret is read
 * at use time only and never stored, logged, returned or audited.
 */

/** True for a reference to a server-wide environment variable. */
export function isEnvRef(ref: string | null | undefined): boolean {
  return typeof ref === 'string' && ref.startsWith('env:');
}

/**
 * Refuses (403) a repository change that names an `env:` secret unless the principal is an
 * organization admin: such a repository sends a server-wide token to its git URL and forge.
 */
export function requireCredentialsRefAllowed(principal: AccessSubject, ref: string | null | undefined, action: 'set' | 'change'): void {
  if (!isEnvRef(ref) || canManageOrganization(principal)) return;
  const what = action === 'set' ? `credentialsRef "${ref ?? ''}" names` : `this repository's credentialsRef "${ref ?? ''}" names`;
  throw new AppError(
    'forbidden',
    `${what} an environment variable of the server, a server-wide secret: only organization admins may set it${action === 'change' ? ' or change a repository that uses it' : ''}. Put the token in a file of your account's folder of the secrets directory and use "file:NAME" instead.`,
    { denied: true },
  );
}

/**
 * Reads the secret a reference names, for the account's repository. Errors say what is missing and
 * where to put it (the account folder relative to the secrets directory, not the server's paths).
 */
export async function resolveSecret(config: ServerConfig, accountId: string, ref: string, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  if (ref.startsWith('env:')) {
    const name = ref.slice(4);
    if (!/^PATCHWARDEN_SECRET_[A-Z0-9_]+$/.test(name)) throw new AppError('validation', `credentials "${ref}": only PATCHWARDEN_SECRET_* variables may be named`);
    const value = env[name]?.trim() ?? '';
    if (value === '') throw new AppError('validation', `credentials "${ref}": the server has no environment variable ${name} (or it is empty); set it where the server starts and restart it`);
    return value;
  }
  if (!ref.startsWith('file:')) throw new AppError('validation', `credentials "${ref}" is neither "file:NAME" nor "env:PATCHWARDEN_SECRET_NAME"`);
  const name = ref.slice(5);
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new AppError('validation', `credentials "${ref}": the file name may use letters, digits, ".", "_" and "-" only`);
  const folder = join(secretsDirOf(config), accountId);
  const where = `the file "${accountId}/${name}" of the server's secrets directory (secretsDir)`;
  let text: string;
  try {
    // The file must really be inside the account's folder (no link out of it).
    const [realFolder, realFile] = await Promise.all([realpath(folder), realpath(join(folder, name))]);
    if (!realFile.startsWith(`${realFolder}${sep}`)) throw new AppError('validation', `credentials "${ref}": ${where} points outside the account's folder; replace the link with the token file itself`);
    text = await readFile(realFile, 'utf8');
  } catch (err) {
    if (err instanceof AppError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new AppError('validation', `credentials "${ref}": ${where} does not exist; ask the server's operator to put the token there`);
    throw new AppError('validation', `credentials "${ref}": ${where} cannot be read (${code ?? 'error'}); check its permissions`);
  }
  const token = text.trim();
  if (token === '') throw new AppError('validation', `credentials "${ref}": ${where} is empty; write the token into it`);
  return token;
}
