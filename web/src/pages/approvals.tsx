import { Page } from '../components/ui';

export function ApprovalsPage() {
  return <Page title="ApprovalsPage">Not built yet.</Page>;
}
