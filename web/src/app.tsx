import { lazy, Suspense } from 'react';
import { BrowserRouter, Link, Route, Routes } from 'react-router';
import { Layout } from './components/layout';
import { EmptyState, Loading, Page } from './components/ui';
import { OverviewPage } from './pages/overview';
import { SignInPage } from './pages/sign-in';
import { SessionProvider } from './session';

// Each page is its own chunk, loaded when first visited — except the overview, the page everyone
// lands on after sign-in: it is in the main bundle (with its charts), so that it renders at once
// instead of suspending on a chunk (React holds a revealed Suspense boundary back for a while).
const AccountsPage = lazy(() => import('./pages/admin/accounts').then((m) => ({ default: m.AccountsPage })));
const ActivationsPage = lazy(() => import('./pages/admin/activations').then((m) => ({ default: m.ActivationsPage })));
const AuditPage = lazy(() => import('./pages/admin/audit').then((m) => ({ default: m.AuditPage })));
const DelegationsPage = lazy(() => import('./pages/admin/delegations').then((m) => ({ default: m.DelegationsPage })));
const TokensPage = lazy(() => import('./pages/admin/tokens').then((m) => ({ default: m.TokensPage })));
const UsersPage = lazy(() => import('./pages/admin/users').then((m) => ({ default: m.UsersPage })));
const AdvisoriesPage = lazy(() => import('./pages/advisory').then((m) => ({ default: m.AdvisoriesPage })));
const AdvisoryPage = lazy(() => import('./pages/advisory').then((m) => ({ default: m.AdvisoryPage })));
const ApprovalsPage = lazy(() => import('./pages/approvals').then((m) => ({ default: m.ApprovalsPage })));
const BaselineEditPage = lazy(() => import('./pages/baseline-edit').then((m) => ({ default: m.BaselineEditPage })));
const BaselinesPage = lazy(() => import('./pages/baselines').then((m) => ({ default: m.BaselinesPage })));
const CommandPage = lazy(() => import('./pages/commands').then((m) => ({ default: m.CommandPage })));
const CommandsPage = lazy(() => import('./pages/commands').then((m) => ({ default: m.CommandsPage })));
const DependenciesPage = lazy(() => import('./pages/dependencies').then((m) => ({ default: m.DependenciesPage })));
const ExecutionPage = lazy(() => import('./pages/executions').then((m) => ({ default: m.ExecutionPage })));
const ExecutionsPage = lazy(() => import('./pages/executions').then((m) => ({ default: m.ExecutionsPage })));
const NodePage = lazy(() => import('./pages/node').then((m) => ({ default: m.NodePage })));
const NodesPage = lazy(() => import('./pages/nodes').then((m) => ({ default: m.NodesPage })));
const NewOperationPage = lazy(() => import('./pages/operations').then((m) => ({ default: m.NewOperationPage })));
const PatchesPage = lazy(() => import('./pages/patches').then((m) => ({ default: m.PatchesPage })));
const PoliciesPage = lazy(() => import('./pages/policies').then((m) => ({ default: m.PoliciesPage })));
const PolicyPage = lazy(() => import('./pages/policies').then((m) => ({ default: m.PolicyPage })));
const RepositoriesPage = lazy(() => import('./pages/repositories').then((m) => ({ default: m.RepositoriesPage })));
const RepositoryPage = lazy(() => import('./pages/repositories').then((m) => ({ default: m.RepositoryPage })));
const WindowPage = lazy(() => import('./pages/windows').then((m) => ({ default: m.WindowPage })));
const WindowsPage = lazy(() => import('./pages/windows').then((m) => ({ default: m.WindowsPage })));

function NotFoundPage() {
  return (
    <Page title="Page not found">
      <EmptyState title="There is no page at this address.">
        <p>
          Go to the <Link to="/">overview</Link>.
        </p>
      </EmptyState>
    </Page>
  );
}

/** The dashboard: sign-in first, then every page inside the layout. Routes are deep-linkable. */
export function App() {
  return (
    <BrowserRouter>
      <SessionProvider signIn={(done, reason, mustChange) => <SignInPage onSignedIn={done} reason={reason} mustChangePassword={mustChange} />}>
        <Layout>
          <Suspense fallback={<Loading />}>
            <Routes>
              <Route path="/" element={<OverviewPage />} />
              <Route path="/nodes" element={<NodesPage />} />
              <Route path="/nodes/:nodeId" element={<NodePage />} />
              <Route path="/patches" element={<PatchesPage />} />
              <Route path="/advisories" element={<AdvisoriesPage />} />
              <Route path="/advisories/:advisoryId" element={<AdvisoryPage />} />
              <Route path="/repositories" element={<RepositoriesPage />} />
              <Route path="/repositories/:repositoryId" element={<RepositoryPage />} />
              <Route path="/dependencies" element={<DependenciesPage />} />
              <Route path="/baselines" element={<BaselinesPage />} />
              <Route path="/baselines/new" element={<BaselineEditPage />} />
              <Route path="/baselines/:baselineId" element={<BaselineEditPage />} />
              <Route path="/policies" element={<PoliciesPage />} />
              <Route path="/policies/:policyId" element={<PolicyPage />} />
              <Route path="/windows" element={<WindowsPage />} />
              <Route path="/windows/:windowId" element={<WindowPage />} />
              <Route path="/operations/new" element={<NewOperationPage />} />
              <Route path="/commands" element={<CommandsPage />} />
              <Route path="/commands/:commandId" element={<CommandPage />} />
              <Route path="/executions" element={<ExecutionsPage />} />
              <Route path="/executions/:executionId" element={<ExecutionPage />} />
              <Route path="/approvals" element={<ApprovalsPage />} />
              <Route path="/admin/accounts" element={<AccountsPage />} />
              <Route path="/admin/users" element={<UsersPage />} />
              <Route path="/admin/tokens" element={<TokensPage />} />
              <Route path="/admin/activations" element={<ActivationsPage />} />
              <Route path="/admin/delegations" element={<DelegationsPage />} />
              <Route path="/admin/audit" element={<AuditPage />} />
              <Route path="*" element={<NotFoundPage />} />
            </Routes>
          </Suspense>
        </Layout>
      </SessionProvider>
    </BrowserRouter>
  );
}
