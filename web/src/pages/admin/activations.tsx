import { Page } from '../../components/ui';

export function ActivationsPage() {
  return <Page title="ActivationsPage">Not built yet.</Page>;
}
