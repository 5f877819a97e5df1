import { Page } from '../components/ui';

export function NodePage() {
  return <Page title="NodePage">Not built yet.</Page>;
}
