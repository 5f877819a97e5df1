import { Page } from '../../components/ui';

export function TokensPage() {
  return <Page title="TokensPage">Not built yet.</Page>;
}
