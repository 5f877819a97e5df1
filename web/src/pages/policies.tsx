import { Page } from '../components/ui';

export function PoliciesPage() {
  return <Page title="PoliciesPage">Not built yet.</Page>;
}

export function PolicyPage() {
  return <Page title="PolicyPage">Not built yet.</Page>;
}
