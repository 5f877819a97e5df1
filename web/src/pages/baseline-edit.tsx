import { Page } from '../components/ui';

export function BaselineEditPage() {
  return <Page title="BaselineEditPage">Not built yet.</Page>;
}
