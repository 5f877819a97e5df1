import { BrowserRouter, Link, Route, Routes } from 'react-router';
import { Layout } from './components/layout';
import { EmptyState, Page } from './components/ui';
import { AccountsPage } from './pages/admin/accounts';
import { ActivationsPage } from './pages/admin/activations';
import { AuditPage } from './pages/admin/audit';
import { DelegationsPage } from './pages/admin/delegations';
import { TokensPage } from './pages/admin/tokens';
import { UsersPage } from './pages/admin/users';
import { AdvisoriesPage, AdvisoryPage } from './pages/advisory';
import { ApprovalsPage } from './pages/approvals';
import { BaselineEditPage } from './pages/baseline-edit';
import { BaselinesPage } from './pages/baselines';
import { CommandPage, CommandsPage } from './pages/commands';
import { ExecutionPage, ExecutionsPage } from './pages/executions';
import { NodePage } from './pages/node';
import { NodesPage } from './pages/nodes';
import { NewOperationPage } from './pages/operations';
import { OverviewPage } from './pages/overview';
import { PatchesPage } from './pages/patches';
import { PoliciesPage, PolicyPage } from './pages/policies';
import { SignInPage } from './pages/sign-in';
import { WindowPage, WindowsPage } from './pages/windows';
import { SessionProvider } from './session';

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
          <Routes>
            <Route path="/" element={<OverviewPage />} />
            <Route path="/nodes" element={<NodesPage />} />
            <Route path="/nodes/:nodeId" element={<NodePage />} />
            <Route path="/patches" element={<PatchesPage />} />
            <Route path="/advisories" element={<AdvisoriesPage />} />
            <Route path="/advisories/:advisoryId" element={<AdvisoryPage />} />
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
        </Layout>
      </SessionProvider>
    </BrowserRouter>
  );
}
