import { createContext, startTransition, useCallback, useContext, useEffect, useMemo, useState, type ReactNode } from 'react';
import { accountAccess, type AccountAction } from '../../src/domain/access';
import { api, ApiError, setCsrfToken, setUnauthenticatedHandler, type Res } from './api/client';

export type User = Res<'getMe'>;
export type Account = Res<'listAccounts'>['items'][number];

export interface Session {
  user: User;
  /** The accounts this user can see (organization roles: all of them), by name. */
  accounts: Account[];
  /** May the user do `action` in the account? (the server's own rule, src/domain/access.ts) */
  can(accountId: string, action: AccountAction): boolean;
  /** The accounts where the user may do `action`. */
  accountsWhere(action: AccountAction): Account[];
  isOrgAdmin: boolean;
  /** org-admin or org-auditor: reads the whole organization (users, audit log). */
  readsOrganization: boolean;
  signOut(): Promise<void>;
  /** Reloads the user and the accounts (after a change to either). */
  refresh(): Promise<void>;
}

const SessionContext = createContext<Session | null>(null);

/** The signed-in session; only inside <SessionProvider> after sign-in. */
export function useSession(): Session {
  const session = useContext(SessionContext);
  if (session === null) throw new Error('useSession outside a signed-in session');
  return session;
}

type State = { phase: 'loading' } | { phase: 'signed-out'; reason?: string; mustChangePassword?: boolean } | { phase: 'signed-in'; user: User; accounts: Account[] };

async function loadAccounts(): Promise<Account[]> {
  const out: Account[] = [];
  for (let offset = 0; ; offset += 500) {
    const page = await api.get<Res<'listAccounts'>>(`/api/v1/accounts?limit=500&offset=${offset}`);
    out.push(...page.items);
    if (out.length >= page.total || page.items.length === 0) return out;
  }
}

/**
 * Holds the session: asks the server whether the cookie is still good, shows `signIn` when it is
 * not, and gives the pages the user, their accounts and what they may do.
 */
export function SessionProvider(props: { signIn: (done: () => void, reason: string | undefined, mustChangePassword: boolean) => ReactNode; children: ReactNode }) {
  const [state, setState] = useState<State>({ phase: 'loading' });

  const load = useCallback(async () => {
    try {
      const session = await api.get<Res<'getSession'>>('/api/v1/auth/session');
      setCsrfToken(session.csrfToken);
      if (session.user.mustChangePassword) {
        setState({ phase: 'signed-out', mustChangePassword: true });
        return;
      }
      const accounts = await loadAccounts();
      // A transition: React keeps the current screen until the first page's code is there, instead
      // of showing the loading fallback and then holding the page back (Suspense reveal throttling).
      startTransition(() => setState({ phase: 'signed-in', user: session.user, accounts }));
    } catch (err) {
      setCsrfToken(null);
      if (err instanceof ApiError && (err.status === 401 || err.code === 'password_change_required')) setState({ phase: 'signed-out' });
      else setState({ phase: 'signed-out', reason: err instanceof Error ? err.message : String(err) });
    }
  }, []);

  useEffect(() => {
    setUnauthenticatedHandler(() => setState({ phase: 'signed-out', reason: 'Your session has ended. Sign in again.' }));
    void load();
    return () => setUnauthenticatedHandler(null);
  }, [load]);

  const value = useMemo<Session | null>(() => {
    if (state.phase !== 'signed-in') return null;
    const memberships = new Map(state.user.memberships.map((m) => [m.accountId, m.role] as const));
    const subject = { orgRole: state.user.orgRole, memberships };
    const can = (accountId: string, action: AccountAction) => accountAccess(subject, accountId, action) === 'allow';
    return {
      user: state.user,
      accounts: state.accounts,
      can,
      accountsWhere: (action) => state.accounts.filter((a) => can(a.id, action)),
      isOrgAdmin: state.user.orgRole === 'org-admin',
      readsOrganization: state.user.orgRole !== null,
      async signOut() {
        try {
          await api.post('/api/v1/auth/logout');
        } finally {
          setCsrfToken(null);
          setState({ phase: 'signed-out' });
        }
      },
      refresh: load,
    };
  }, [state, load]);

  if (state.phase === 'loading') return <div className="splash" role="status">Loading Patchwarden…</div>;
  if (state.phase === 'signed-out') return <>{props.signIn(() => void load(), state.reason, state.mustChangePassword === true)}</>;
  return <SessionContext.Provider value={value}>{props.children}</SessionContext.Provider>;
}
