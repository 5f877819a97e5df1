import { Page } from '../components/ui';

export function BaselinesPage() {
  return <Page title="BaselinesPage">Not built yet.</Page>;
}
