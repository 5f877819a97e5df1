import { Page } from '../components/ui';

export function WindowsPage() {
  return <Page title="WindowsPage">Not built yet.</Page>;
}

export function WindowPage() {
  return <Page title="WindowPage">Not built yet.</Page>;
}
