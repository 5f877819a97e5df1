import { useState, type FormEvent } from 'react';
import { api, setCsrfToken, type Res } from '../api/client';
import { Button, ErrorBox, Field, Notice } from '../components/ui';
import { useTitle } from '../hooks';

/**
 * Sign-in with username and password (the server's session cookie); a user who must change the
 * password first (a new user, a reset) does it here before going on.
 */
export function SignInPage(props: { onSignedIn: () => void; reason: string | undefined; mustChangePassword: boolean }) {
  useTitle('Sign in');
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [newPassword, setNewPassword] = useState('');
  const [changing, setChanging] = useState(props.mustChangePassword);
  const [error, setError] = useState<unknown>(undefined);
  const [busy, setBusy] = useState(false);

  async function signIn(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      const session = await api.post<Res<'login'>>('/api/v1/auth/login', { username, password });
      setCsrfToken(session.csrfToken);
      if (session.user.mustChangePassword) setChanging(true);
      else props.onSignedIn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  async function change(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(undefined);
    try {
      await api.post('/api/v1/me/password', { currentPassword: password, newPassword });
      props.onSignedIn();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  }

  return (
    <main className="sign-in" id="main">
      <div className="sign-in-card">
        <div className="brand">
          <img src="/favicon.svg" alt="" width={32} height={32} />
          <h1>Patchwarden</h1>
        </div>
        {props.reason === undefined ? null : <Notice kind="warning">{props.reason}</Notice>}
        <ErrorBox error={error} title={changing ? 'The password was not changed' : 'Sign-in failed'} />
        {changing ? (
          <form onSubmit={(e) => void change(e)} aria-label="Change password">
            <p>You must choose a new password before you go on.</p>
            {props.mustChangePassword ? (
              <Field label="Current password">{(id) => <input id={id} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />}</Field>
            ) : null}
            <Field label="New password" hint="At least 12 characters.">
              {(id) => <input id={id} type="password" autoComplete="new-password" value={newPassword} onChange={(e) => setNewPassword(e.target.value)} required minLength={12} />}
            </Field>
            <Button type="submit" disabled={busy}>
              Change password
            </Button>
          </form>
        ) : (
          <form onSubmit={(e) => void signIn(e)} aria-label="Sign in">
            <Field label="Username">{(id) => <input id={id} autoComplete="username" value={username} onChange={(e) => setUsername(e.target.value)} required autoFocus />}</Field>
            <Field label="Password">{(id) => <input id={id} type="password" autoComplete="current-password" value={password} onChange={(e) => setPassword(e.target.value)} required />}</Field>
            <Button type="submit" disabled={busy}>
              {busy ? 'Signing in…' : 'Sign in'}
            </Button>
          </form>
        )}
      </div>
    </main>
  );
}
