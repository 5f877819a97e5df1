import { Page } from '../components/ui';

export function NewOperationPage() {
  return <Page title="NewOperationPage">Not built yet.</Page>;
}
