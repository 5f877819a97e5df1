import { Page } from '../../components/ui';

export function DelegationsPage() {
  return <Page title="DelegationsPage">Not built yet.</Page>;
}
