import { Page } from '../components/ui';

export function NodesPage() {
  return <Page title="NodesPage">Not built yet.</Page>;
}
