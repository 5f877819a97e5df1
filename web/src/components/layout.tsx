import type { ReactNode } from 'react';
import { NavLink } from 'react-router';
import { useSession } from '../session';

interface NavItem {
  to: string;
  label: string;
  /** Shown only when this holds for the signed-in user. */
  when?: (s: ReturnType<typeof useSession>) => boolean;
}

const SECTIONS: { title: string; items: NavItem[] }[] = [
  {
    title: 'Fleet',
    items: [
      { to: '/', label: 'Overview' },
      { to: '/nodes', label: 'Nodes' },
      { to: '/patches', label: 'Patches & CVEs' },
      { to: '/advisories', label: 'Advisories' },
    ],
  },
  {
    title: 'Dependencies',
    items: [
      { to: '/repositories', label: 'Repositories' },
      { to: '/dependencies', label: 'Findings & PRs' },
    ],
  },
  {
    title: 'Policy',
    items: [
      { to: '/baselines', label: 'Baselines' },
      { to: '/policies', label: 'Patch policies' },
      { to: '/windows', label: 'Maintenance windows' },
    ],
  },
  {
    title: 'Operations',
    items: [
      { to: '/operations/new', label: 'Run scan or install', when: (s) => s.accountsWhere('operate').length > 0 },
      { to: '/commands', label: 'Commands' },
      { to: '/executions', label: 'Executions' },
      { to: '/approvals', label: 'Approvals' },
    ],
  },
  {
    title: 'Administration',
    items: [
      { to: '/admin/accounts', label: 'Accounts' },
      { to: '/admin/users', label: 'Users', when: (s) => s.readsOrganization },
      { to: '/admin/tokens', label: 'API tokens' },
      { to: '/admin/activations', label: 'Enroll nodes', when: (s) => s.accountsWhere('manage').length > 0 },
      { to: '/admin/delegations', label: 'Delegations' },
      { to: '/admin/audit', label: 'Audit log' },
    ],
  },
];

/** The frame of every signed-in page: navigation on the left, the user and sign-out on top. */
export function Layout(props: { children: ReactNode }) {
  const session = useSession();
  const roles = session.user.orgRole ?? (session.user.memberships.length === 0 ? 'no role' : [...new Set(session.user.memberships.map((m) => m.role))].join(', '));
  return (
    <div className="app">
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <aside className="sidebar">
        <div className="brand">
          <img src="/favicon.svg" alt="" width={24} height={24} />
          <span>Patchwarden</span>
        </div>
        <nav aria-label="Main">
          {SECTIONS.map((section) => (
            <div key={section.title} className="nav-section">
              <div className="nav-title">{section.title}</div>
              <ul>
                {section.items
                  .filter((item) => item.when === undefined || item.when(session))
                  .map((item) => (
                    <li key={item.to}>
                      <NavLink to={item.to} end={item.to === '/'}>
                        {item.label}
                      </NavLink>
                    </li>
                  ))}
              </ul>
            </div>
          ))}
        </nav>
      </aside>
      <div className="main-column">
        <header className="topbar">
          <span className="user" data-testid="current-user">
            {session.user.displayName} <span className="muted">({session.user.username} · {roles})</span>
          </span>
          <button type="button" className="button secondary" onClick={() => void session.signOut()}>
            Sign out
          </button>
        </header>
        <main id="main" tabIndex={-1}>
          {props.children}
        </main>
      </div>
    </div>
  );
}
