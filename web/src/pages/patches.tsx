import { Page } from '../components/ui';

export function PatchesPage() {
  return <Page title="PatchesPage">Not built yet.</Page>;
}
