import { Page } from '../components/ui';

export function OverviewPage() {
  return <Page title="OverviewPage">Not built yet.</Page>;
}
