import { Page } from '../components/ui';

export function ExecutionsPage() {
  return <Page title="ExecutionsPage">Not built yet.</Page>;
}

export function ExecutionPage() {
  return <Page title="ExecutionPage">Not built yet.</Page>;
}
