import { Page } from '../components/ui';

export function AdvisoryPage() {
  return <Page title="AdvisoryPage">Not built yet.</Page>;
}

export function AdvisoriesPage() {
  return <Page title="AdvisoriesPage">Not built yet.</Page>;
}
