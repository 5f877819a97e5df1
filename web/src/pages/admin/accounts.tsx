import { Page } from '../../components/ui';

export function AccountsPage() {
  return <Page title="AccountsPage">Not built yet.</Page>;
}
