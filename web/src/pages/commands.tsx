import { Page } from '../components/ui';

export function CommandsPage() {
  return <Page title="CommandsPage">Not built yet.</Page>;
}

export function CommandPage() {
  return <Page title="CommandPage">Not built yet.</Page>;
}
